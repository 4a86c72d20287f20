/*
 * test_conf.c - the command line: defaults, every option, and the one-line
 * errors that name the bad input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "wire/pfsync.h"

/*
 * getopt wants writable strings; -Wwrite-strings makes literals const, so
 * argument vectors are copied into writable storage (freed at exit).
 */
#define ARGV(...)	mkargv((const char *[]){ "pfflowd", __VA_ARGS__, NULL })

static char **
mkargv(const char **lit)
{
	static char *store[64][64];
	static unsigned next;
	char **v = store[next++ % 64];
	unsigned i;

	for (i = 0; lit[i] != NULL && i < 63; i++)
		v[i] = strdup(lit[i]);
	v[i] = NULL;
	return v;
}


static char errbuf[1024];

static enum conf_result
parse(struct conf *c, char **argv)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	errbuf[0] = '\0';
	return conf_parse_args(c, argc, argv, errbuf, sizeof(errbuf));
}

static void
test_defaults(void **state)
{
	struct conf c;
	char **v = ARGV("-r", "x.pcap", "-n", "127.0.0.1:9995");

	(void)state;
	assert_int_equal(parse(&c, v), CONF_RUN);
	assert_string_equal(c.file, "x.pcap");
	assert_null(c.iface);
	assert_int_equal(c.version, 5);
	assert_int_equal(c.direction, 0);
	assert_true(c.threads >= 1);
	assert_int_equal(c.flush_ms, CONF_DEFAULT_FLUSH_MS);
	assert_int_equal(c.n_collectors, 1);
	assert_int_equal(c.collectors[0].rate, CONF_DEFAULT_RATE);
	assert_int_equal(c.collectors[0].burst, CONF_DEFAULT_BURST);
	assert_null(c.bpf);
	conf_free(&c);
}

static void
test_default_interface(void **state)
{
	struct conf c;
	char **v = ARGV("-n", "127.0.0.1:9995");

	(void)state;
	assert_int_equal(parse(&c, v), CONF_RUN);
	assert_string_equal(c.iface, CONF_DEFAULT_IFACE);
	conf_free(&c);
}

static void
test_every_option(void **state)
{
	struct conf c;
	char **v = ARGV("-d", "-i", "em1", "-n", "[::1]:2055", "-n",
	    "192.0.2.1:9995", "-S", "out", "-v", "1", "-t", "3",
	    "--flush-ms", "250", "--rate", "0", "--burst", "7",
	    "--engine-type", "1", "--engine-id", "200", "host", "192.0.2.9",
	    "and", "not", "vlan");
	const struct sockaddr_in6 *s6;
	const struct sockaddr_in *s4;
	uint8_t loop6[16] = { [15] = 1 };

	(void)state;
	assert_int_equal(parse(&c, v), CONF_RUN);
	assert_true(c.foreground);
	assert_false(c.debug);
	assert_string_equal(c.iface, "em1");
	assert_int_equal(c.direction, PFSYNC_DIR_OUT);
	assert_int_equal(c.version, 1);
	assert_int_equal(c.threads, 3);
	assert_int_equal(c.flush_ms, 250);
	assert_int_equal(c.n_collectors, 2);
	s6 = (const struct sockaddr_in6 *)&c.collectors[0].addr;
	assert_int_equal(s6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(s6->sin6_port), 2055);
	assert_memory_equal(&s6->sin6_addr, loop6, 16);
	s4 = (const struct sockaddr_in *)&c.collectors[1].addr;
	assert_int_equal(s4->sin_family, AF_INET);
	assert_int_equal(ntohs(s4->sin_port), 9995);
	assert_int_equal(ntohl(s4->sin_addr.s_addr), 0xc0000201);
	assert_int_equal(c.collectors[1].version, 1);
	assert_int_equal(c.collectors[1].rate, 0);
	assert_int_equal(c.collectors[1].burst, 7);
	assert_int_equal(c.collectors[1].engine_type, 1);
	assert_int_equal(c.collectors[1].engine_id, 200);
	assert_string_equal(c.bpf, "host 192.0.2.9 and not vlan");
	conf_free(&c);
}

static void
test_debug_needs_no_collector(void **state)
{
	struct conf c;
	char **v = ARGV("-D", "-r", "f.pcap");

	(void)state;
	assert_int_equal(parse(&c, v), CONF_RUN);
	assert_true(c.debug);
	assert_true(c.foreground);
	assert_int_equal(c.n_collectors, 0);
	conf_free(&c);
}

/* Each bad input must fail with a message that names it. */
static void
expect_error(char **argv, const char *needle)
{
	struct conf c;
	char args[256] = "";
	int i;

	for (i = 1; argv[i] != NULL; i++)
		snprintf(args + strlen(args), sizeof(args) - strlen(args),
		    " %s", argv[i]);
	if (parse(&c, argv) != CONF_ERROR)
		fail_msg("'pfflowd%s' was accepted", args);
	if (strstr(errbuf, needle) == NULL)
		fail_msg("error '%s' does not name '%s'", errbuf, needle);
	assert_null(strchr(errbuf, '\n'));
	conf_free(&c);
}

static void
test_errors(void **state)
{
	(void)state;
	expect_error(ARGV("-n", "nocolon"), "nocolon");
	expect_error(ARGV("-n", "127.0.0.1:99999"), "99999");
	expect_error(ARGV("-n", "127.0.0.1:0"), "'0'");
	expect_error(ARGV("-n", "127.0.0.1:"), "127.0.0.1:");
	expect_error(ARGV("-n", "[::1:5"), "[::1:5");
	expect_error(ARGV("-n", "::1:5"), "::1:5");
	expect_error(ARGV("-n", "no.such.host.invalid:9"),
	    "no.such.host.invalid");
	expect_error(ARGV("-D", "-S", "sideways"), "sideways");
	expect_error(ARGV("-D", "-v", "7"), "'7'");
	expect_error(ARGV("-D", "-t", "0"), "'0'");
	expect_error(ARGV("-D", "-t", "abc"), "abc");
	expect_error(ARGV("-D", "-t", "65"), "65");
	expect_error(ARGV("-D", "--rate", "-1"), "-1");
	expect_error(ARGV("-D", "--engine-id", "256"), "256");
	expect_error(ARGV("-D", "--bogus"), "--bogus");
	expect_error(ARGV("-D", "-x"), "-x");
	expect_error(ARGV("-D", "-r"), "-r");
	expect_error(ARGV("-r", "f.pcap"), "-n");
	expect_error(ARGV("-D", "-r", "f.pcap", "-i", "em0"), "f.pcap");
	/* Collector names: a letter first, then [A-Za-z0-9_], unique. */
	expect_error(ARGV("-n", "127.0.0.1:9,name=1st"), "'1st'");
	expect_error(ARGV("-n", "127.0.0.1:9,name=a.b"), "'a.b'");
	expect_error(ARGV("-n", "127.0.0.1:9,name="), "bad name ''");
	expect_error(ARGV("-n",
	    "127.0.0.1:9,name=a23456789012345678901234567890123"),
	    "a23456789012345678901234567890123");
	expect_error(ARGV("-n", "127.0.0.1:9,name=x", "-n",
	    "127.0.0.1:10,name=x"), "share name 'x'");
	expect_error(ARGV("-n", "127.0.0.1:9,version=7"), "expected 1 or 5");
	expect_error(ARGV("-D", "--flow-rate", "1000000001"), "1000000001");
	expect_error(ARGV("-n", "127.0.0.1:9,flow-rate=x"), "flow-rate 'x'");
}

/* The longest name fits, and two different names are two collectors. */
static void
test_collector_names(void **state)
{
	struct conf c;

	(void)state;
	assert_int_equal(parse(&c, ARGV("-n",
	    "127.0.0.1:9,name=a234567890123456789012345678901", "-n",
	    "127.0.0.1:10,name=B_2", "-n", "127.0.0.1:11")), CONF_RUN);
	assert_int_equal(c.n_collectors, 3);
	assert_string_equal(c.collectors[0].name,
	    "a234567890123456789012345678901");
	assert_string_equal(c.collectors[1].name, "B_2");
	assert_string_equal(c.collectors[2].name, "");
	conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_default_interface),
		cmocka_unit_test(test_every_option),
		cmocka_unit_test(test_debug_needs_no_collector),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_collector_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
