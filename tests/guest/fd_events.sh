#!/bin/sh
# The module's fd-plumbing and working-directory events, every parameter
# of each in success and failure, and dropping mode's stateless drops:
# support/fd_events_check (its header says what it asserts).
. /scap/lib.sh

fd_events_check
