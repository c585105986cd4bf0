#!/usr/bin/env bash
# A centre's day under CURVE: unit and centre keys (see centre_day.sh).
MODE=curve exec bash "$(dirname "$0")/centre_day.sh"
