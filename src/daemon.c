/*
 * daemon.c - pidfile, privilege drop, chroot (Linux and the BSDs).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"

int
pidfile_open(const char *path, char *err, size_t errlen)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open pidfile '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	/* An flock held by a live pfflowd; a stale file has none. */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(err, errlen, "pidfile '%s' is held by pid %s: "
		    "pfflowd is already running", path, buf[0] ? buf : "?");
		close(fd);
		return -1;
	}
	return fd;
}

int
pidfile_write(int fd, char *err, size_t errlen)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		snprintf(err, errlen, "cannot write pidfile: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
dir_of(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (copy == NULL)
		return -1;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	return fd;
}

int
pidfile_remove(int fd, int dirfd, const char *path, char *err,
    size_t errlen)
{
	char *copy = strdup(path);
	int rc = 0;

	if (copy == NULL || unlinkat(dirfd, basename(copy), 0) != 0) {
		snprintf(err, errlen, "cannot remove pidfile '%s' (%s); "
		    "emptied it instead: a directory the daemon's user may "
		    "write lets it be removed", path, strerror(errno));
		if (ftruncate(fd, 0) != 0)
			snprintf(err, errlen, "cannot remove or empty pidfile "
			    "'%s': %s", path, strerror(errno));
		rc = -1;
	}
	free(copy);
	return rc;
}

int
drop_privileges(const char *user, const char *dir, bool *skipped,
    char *err, size_t errlen)
{
	struct passwd *pw;

	*skipped = geteuid() != 0;
	if (*skipped)
		return 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "user '%s' does not exist: create it "
		    "(e.g. useradd -r -s /usr/sbin/nologin %s) or set --user",
		    user, user);
		return -1;
	}
	if (dir[0] != '\0') {
		/* An empty, root-owned directory: nothing to read there. */
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create chroot '%s': %s",
			    dir, strerror(errno));
			return -1;
		}
		if (chroot(dir) != 0 || chdir("/") != 0) {
			snprintf(err, errlen, "cannot chroot to '%s': %s", dir,
			    strerror(errno));
			return -1;
		}
	}
	if (setgroups(1, &pw->pw_gid) != 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0) {
		snprintf(err, errlen, "cannot become '%s': %s", user,
		    strerror(errno));
		return -1;
	}
	return 0;
}
