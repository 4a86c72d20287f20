/*
 * daemon.h - what a long-running pfflowd does to the process: pidfile,
 * dropping root, chroot.  Main thread, before any pipeline thread starts
 * (so every thread inherits the dropped credentials).
 */
#ifndef PFF_DAEMON_H
#define PFF_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Create and lock path, refusing if another live process holds it; the
 * pid is written after daemon(3).  Returns the fd (kept open: the lock
 * lives as long as the process) or -1 with a reason in err.
 */
int	pidfile_open(const char *path, char *err, size_t errlen);

/* Write the current pid into the locked file.  0 or -1. */
int	pidfile_write(int fd, char *err, size_t errlen);

/*
 * Remove the pidfile at exit.  dirfd is the file's directory, opened
 * before any chroot, so the name still resolves afterwards.  Once root is
 * given up the directory may not be writable: the file is then emptied
 * through fd (so it names no process) and -1 says why in err.
 */
int	pidfile_remove(int fd, int dirfd, const char *path, char *err,
	    size_t errlen);

/* Open the directory holding path (for *at() calls after a chroot). */
int	dir_of(const char *path);

/*
 * Become user (and chroot to dir unless it is "").  Not root: nothing
 * happens and *skipped says so.  Returns 0, or -1 with a reason in err
 * (unknown user, chroot failed...).
 */
int	drop_privileges(const char *user, const char *dir, bool *skipped,
	    char *err, size_t errlen);

#endif /* PFF_DAEMON_H */
