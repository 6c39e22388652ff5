#!/usr/bin/env bash
# record.sh scenario refused-v6-6050: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

scn_refused_v6_6050() { refused refused-v6-6050 "$N6" "$S6" 40014; }
