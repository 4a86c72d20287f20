/*
 * rusage.c - run a command and report what it cost: wall time, user and
 * system CPU seconds and peak resident memory, from wait4(2) on the child
 * itself (not a shell's estimate, and no dependency on GNU time).
 *
 *   rusage [--json FILE] [--timeout S] -- COMMAND [ARG...]
 *
 * Prints "RUSAGE wall_s=... user_s=... sys_s=... maxrss_kib=... status=N"
 * on stdout (and the same as JSON to FILE, with the CLOCK_MONOTONIC
 * start and end, so other processes' timestamps can be set against them)
 * and exits with the command's status, or 128 + signal.  --timeout
 * (default 600) kills the command with SIGKILL once it has run that long,
 * so a hung benchmark cannot hang bench/run.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"

static double
tv_s(const struct timeval *tv)
{
	return (double)tv->tv_sec + tv->tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	const char *json = NULL;
	double t0, t1, wall, timeout = 600;
	struct rusage ru;
	sigset_t chld, old;
	pid_t pid, w;
	int a, status = 0, code;
	FILE *f;

	for (a = 1; a < argc && strcmp(argv[a], "--") != 0; a++) {
		if (strcmp(argv[a], "--json") == 0 && a + 1 < argc)
			json = argv[++a];
		else if (strcmp(argv[a], "--timeout") == 0 && a + 1 < argc)
			timeout = atof(argv[++a]);
		else
			break;
	}
	if (a + 1 >= argc || strcmp(argv[a], "--") != 0 || timeout <= 0) {
		fprintf(stderr, "usage: rusage [--json FILE] [--timeout S] -- "
		    "COMMAND [ARG...]\n");
		return 2;
	}
	/* SIGCHLD stays pending until sigtimedwait takes it: no handler. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	t0 = bench_now_s();
	if ((pid = fork()) < 0) {
		perror("rusage: fork");
		return 2;
	}
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		execvp(argv[a + 1], argv + a + 1);
		fprintf(stderr, "rusage: %s: %s\n", argv[a + 1],
		    strerror(errno));
		_exit(127);
	}
	for (;;) {
		/* Wake at least every 100 ms to re-check the timeout. */
		struct timespec ts = { 0, 100000000 };

		w = wait4(pid, &status, WNOHANG, &ru);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			perror("rusage: wait4");
			return 2;
		}
		if (bench_now_s() - t0 > timeout) {
			fprintf(stderr, "rusage: %s: killed after %.0f s\n",
			    argv[a + 1], timeout);
			kill(pid, SIGKILL);
		}
		(void)sigtimedwait(&chld, NULL, &ts);
	}
	t1 = bench_now_s();
	wall = t1 - t0;
	code = WIFEXITED(status) ? WEXITSTATUS(status) :
	    WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
	printf("RUSAGE wall_s=%.3f user_s=%.3f sys_s=%.3f maxrss_kib=%ld "
	    "status=%d\n", wall, tv_s(&ru.ru_utime), tv_s(&ru.ru_stime),
	    ru.ru_maxrss, code);
	if (json != NULL) {
		if ((f = fopen(json, "w")) == NULL) {
			perror(json);
			return 2;
		}
		fprintf(f, "{\"wall_s\": %.6f, \"user_s\": %.6f, \"sys_s\": "
		    "%.6f, \"maxrss_kib\": %ld, \"status\": %d, "
		    "\"start_mono_s\": %.6f, \"end_mono_s\": %.6f}\n", wall,
		    tv_s(&ru.ru_utime), tv_s(&ru.ru_stime), ru.ru_maxrss,
		    code, t0, t1);
		fclose(f);
	}
	return code;
}
