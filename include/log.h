/*
 * log.h - operational messages: stderr in the foreground, syslog once the
 * daemon detaches.  Never called per packet: bad input is counted, not
 * logged (stats.h).  Thread-safe (stdio and syslog lock internally).
 */
#ifndef PFF_LOG_H
#define PFF_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/*
 * Called by main before any thread starts (and again when it detaches).
 * facility: LOG_DAEMON, LOG_LOCAL0...  The syslog socket is opened now,
 * so logging still works after a chroot.
 */
void	log_init(const char *progname, bool to_syslog, bool debug,
	    int facility);

void	log_msg(enum log_level lvl, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#define log_err(...)	log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif /* PFF_LOG_H */
