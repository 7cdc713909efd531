#!/bin/sh
# The manual procedure an operator scripts to ship a snapshot off the host encrypted: age to a recipient,
# then rclone copyto to S3 (rclone's remote "T" comes from RCLONE_CONFIG_T_* variables).
# Usage: encrypt_upload.sh FILE RECIPIENT BUCKET/KEY WORK_DIR
set -eu
file=$1
recipient=$2
dest=$3
work=$4
age -r "$recipient" -o "$work/snapshot.db.age" "$file"
rclone copyto "$work/snapshot.db.age" "T:$dest"
rm -f "$work/snapshot.db.age"
