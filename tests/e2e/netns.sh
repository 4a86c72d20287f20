# netns.sh - sourced first (before lib.sh) by the tests that need root and
# a network namespace of their own:
#
#   . "$(dirname "$0")/netns.sh" "WHAT ROOT IS NEEDED FOR" "$@"
#
# Not yet inside one: without root, or where unshare --net fails, print a
# TAP plan that skips the test and exit 0; otherwise run the test again
# in a new network namespace (nothing it does can reach another address),
# which replaces this process.  Inside: return, and the test goes on.

if [ -z "${PFF_E2E_NETNS:-}" ]; then
	_why=$1
	shift
	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP needs root ($_why)"
		exit 0
	fi
	if ! unshare --net true 2>/dev/null; then
		echo "1..0 # SKIP cannot create a network namespace (unshare --net)"
		exit 0
	fi
	PFF_E2E_NETNS=1 exec unshare --net "${BASH:-bash}" "$0" "$@"
fi
