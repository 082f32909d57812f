# Sourced by bash (BASH_ENV) before ocf:linbit:drbd runs against the DRBD model:
# /proc/drbd "exists" while the modelled kernel has DRBD, and the modelled device
# nodes are block devices.  SECONDS starts high so that the agent's 15 s anti-loop
# sleep after a failed promote does not slow the tests down.
test() {
    if [ "$1" = "-f" ] && [ "$2" = /proc/drbd ]; then
        [ -z "$DRBD_MODEL_NO_KERNEL" ]
        return
    fi
    if [ "$1" = "-b" ] && [ -n "$DRBD_MODEL_DEV_DIR" ] && [ "${2#"$DRBD_MODEL_DEV_DIR"/}" != "$2" ]; then
        return 0
    fi
    builtin test "$@"
}
SECONDS=1000
