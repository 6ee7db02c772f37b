#!/usr/bin/env bash
# Writes a customer's user list for `mfa-onboard batch` to stdout: N people (default
# 300) with fictional US numbers (555-01xx, reserved for fiction), alternating iPhone
# and Android, every tenth with a manager. For trying the batch by hand:
#   scripts/users-csv.sh 300 > /tmp/users.csv && mfa-onboard batch /tmp/users.csv
set -euo pipefail
n=${1:-300}
domain=${2:-contoso.com}
areas=(201 202 203 205 206 207 208 209 210 212)
echo "user,phone,country,platform,manager,department"
for ((i = 0; i < n; i++)); do
	area=${areas[$((i / 100 % ${#areas[@]}))]}
	platform=ios
	((i % 2)) && platform=android
	manager=""
	((i % 10 == 0)) && manager="lead$((i / 10))@$domain"
	printf 'user%04d@%s,%s 555 0%d,US,%s,%s,dept%d\n' "$i" "$domain" "$area" $((100 + i % 100)) "$platform" "$manager" $((i % 7))
done
