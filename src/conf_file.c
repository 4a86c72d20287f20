/*
 * conf_file.c - pfflowd.conf(5): the file syntax.
 *
 *   # comment
 *   interface "em1"
 *   threads 2
 *   collector 192.0.2.10:9995
 *   collector [2001:db8::10]:2055 {
 *           rate 5000
 *           group "lb"
 *   }
 *
 * One setting per line: a name (the long option's name) and a value, a
 * word or a double-quoted string.  A collector may open a block of its own
 * options; they become the same "ADDR,option=value" text -n takes, so the
 * file and the command line share every check (conf_set, collector.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"

#define CONF_FILE_MAX	(1024 * 1024)
#define TOKEN_MAX	512

struct lexer {
	const char	*path;
	const char	*p;		/* next character */
	unsigned	 line;
	char		*err;
	size_t		 errlen;
};

enum token { T_WORD, T_OPEN, T_CLOSE, T_NEWLINE, T_END, T_ERROR };

static int
lex_error(struct lexer *lx, const char *what, const char *arg)
{
	snprintf(lx->err, lx->errlen, "%s:%u: %s%s%s%s", lx->path, lx->line,
	    what, arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
	return T_ERROR;
}

/* Next token into tok (words and strings; quotes removed). */
static enum token
lex(struct lexer *lx, char *tok)
{
	size_t n = 0;

	for (;;) {
		while (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r')
			lx->p++;
		if (*lx->p != '#')
			break;
		while (*lx->p != '\n' && *lx->p != '\0')
			lx->p++;
	}
	switch (*lx->p) {
	case '\0':
		return T_END;
	case '\n':
		lx->p++;
		lx->line++;
		return T_NEWLINE;
	case '{':
		lx->p++;
		return T_OPEN;
	case '}':
		lx->p++;
		return T_CLOSE;
	case '"':
		for (lx->p++; *lx->p != '"'; lx->p++) {
			if (*lx->p == '\0' || *lx->p == '\n')
				return lex_error(lx, "unterminated string",
				    NULL);
			if (*lx->p == '\\' && (lx->p[1] == '"' ||
			    lx->p[1] == '\\'))
				lx->p++;
			if (n + 1 >= TOKEN_MAX)
				return lex_error(lx, "string too long", NULL);
			tok[n++] = *lx->p;
		}
		lx->p++;
		tok[n] = '\0';
		return T_WORD;
	default:
		while (*lx->p != '\0' && !strchr(" \t\r\n#{}\"", *lx->p)) {
			if (n + 1 >= TOKEN_MAX)
				return lex_error(lx, "word too long", NULL);
			tok[n++] = *lx->p++;
		}
		tok[n] = '\0';
		return T_WORD;
	}
}

static const char *const block_keys[] = {
	"version", "engine-type", "engine-id", "rate", "flow-rate", "burst",
	"queue", "sndbuf", "source", "group", "name", NULL,
};

/* The lines inside "collector ADDR { ... }", appended to spec. */
static int
parse_block(struct lexer *lx, char *spec, size_t speclen)
{
	char key[TOKEN_MAX], val[TOKEN_MAX];
	enum token t;
	size_t k;

	for (;;) {
		t = lex(lx, key);
		if (t == T_NEWLINE)
			continue;
		if (t == T_CLOSE)
			return 0;
		if (t == T_ERROR)
			return -1;
		if (t != T_WORD) {
			lex_error(lx, "collector block not closed with '}'",
			    NULL);
			return -1;
		}
		for (k = 0; block_keys[k] != NULL; k++)
			if (strcmp(key, block_keys[k]) == 0)
				break;
		if (block_keys[k] == NULL) {
			lex_error(lx, "unknown collector option", key);
			return -1;
		}
		if (lex(lx, val) != T_WORD) {
			lex_error(lx, "collector option needs a value", key);
			return -1;
		}
		if (strpbrk(val, ",=") != NULL) {
			lex_error(lx, "value may not hold ',' or '='", val);
			return -1;
		}
		if (strlen(spec) + strlen(key) + strlen(val) + 3 > speclen) {
			lex_error(lx, "collector options too long", NULL);
			return -1;
		}
		strcat(spec, ",");
		strcat(spec, key);
		strcat(spec, "=");
		strcat(spec, val);
		t = lex(lx, key);
		if (t == T_CLOSE)
			return 0;
		if (t != T_NEWLINE) {
			lex_error(lx, "one collector option per line", NULL);
			return -1;
		}
	}
}

static int
parse(struct conf *c, struct lexer *lx)
{
	char key[TOKEN_MAX], val[TOKEN_MAX], spec[COLLECTOR_SPEC_MAX];
	char why[512];
	enum token t;
	unsigned line;

	for (;;) {
		t = lex(lx, key);
		if (t == T_END)
			return 0;
		if (t == T_NEWLINE)
			continue;
		if (t == T_ERROR)
			return -1;
		if (t != T_WORD) {
			lex_error(lx, "expected a setting name", NULL);
			return -1;
		}
		line = lx->line;	/* before a newline moves it */
		t = lex(lx, val);
		if (t == T_ERROR)
			return -1;	/* the lexer said what */
		if (t != T_WORD) {
			lx->line = line;
			lex_error(lx, "setting needs a value", key);
			return -1;
		}
		t = lex(lx, spec);
		if (strcmp(key, "collector") == 0) {
			if (strlen(val) >= sizeof(spec)) {
				lex_error(lx, "collector address too long",
				    NULL);
				return -1;
			}
			snprintf(spec, sizeof(spec), "%s", val);
			if (t == T_OPEN) {
				if (parse_block(lx, spec, sizeof(spec)) != 0)
					return -1;
				t = lex(lx, val);
			}
			snprintf(val, sizeof(val), "%s", spec);
		}
		if (t != T_NEWLINE && t != T_END) {
			lex_error(lx, "one setting per line after", key);
			return -1;
		}
		if (strcmp(key, "foreground") == 0 ||
		    strcmp(key, "debug") == 0) {
			lx->line = line;
			lex_error(lx, "only a command-line flag", key);
			return -1;
		}
		if (conf_set(c, key, val, why, sizeof(why)) != 0) {
			/* Report the line of the setting, not the next. */
			snprintf(lx->err, lx->errlen, "%s:%u: %s", lx->path,
			    line, why);
			return -1;
		}
		/*
		 * A collector is checked later (conf_finish, collector_open):
		 * remember its line for those errors.
		 */
		if (strcmp(key, "collector") == 0) {
			snprintf(why, sizeof(why), "%s:%u", lx->path, line);
			if ((c->spec_origin[c->n_specs - 1] =
			    conf_strdup(c, why)) == NULL) {
				snprintf(lx->err, lx->errlen, "%s:%u: too many "
				    "settings", lx->path, line);
				return -1;
			}
		}
		if (t == T_END)
			return 0;
	}
}

int
conf_load_file(struct conf *c, const char *path, int dirfd, char *err,
    size_t errlen)
{
	struct lexer lx;
	const char *name;
	char *buf;
	ssize_t n;
	size_t len = 0;
	int fd, rc;

	/*
	 * dirfd is the file's own directory when the caller opened it before
	 * a chroot: then only the last component names the file.
	 */
	name = dirfd != AT_FDCWD && strrchr(path, '/') != NULL ?
	    strrchr(path, '/') + 1 : path;
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot read configuration '%s': %s",
		    path, strerror(errno));
		return -1;
	}
	buf = malloc(CONF_FILE_MAX + 1);
	if (buf == NULL) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while ((n = read(fd, buf + len, CONF_FILE_MAX - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (n < 0 || len == CONF_FILE_MAX) {
		snprintf(err, errlen, "cannot read configuration '%s': %s",
		    path, n < 0 ? strerror(errno) : "larger than 1 MiB");
		free(buf);
		return -1;
	}
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errlen, "%s: not a text file", path);
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	lx.path = path;
	lx.p = buf;
	lx.line = 1;
	lx.err = err;
	lx.errlen = errlen;
	rc = parse(c, &lx);
	free(buf);
	return rc;
}
