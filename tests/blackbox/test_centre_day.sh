#!/usr/bin/env bash
# A centre's day without CURVE: actors named with --as on loopback (see centre_day.sh).
MODE=plain exec bash "$(dirname "$0")/centre_day.sh"
