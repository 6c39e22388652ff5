#!/usr/bin/env bash
# record.sh scenario refused-6050: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

scn_refused_6050() { refused refused-6050 "$N4" "$S4" 40002; }
