#!/usr/bin/env bash
# ./demo.sh — a simulated court server room watched by envmond, on this machine only:
#   an SNMP UPS (snmpsim), an APC InRow air conditioner (Modbus TCP) and an XY-MD02 rack
#   probe (Modbus RTU on a socat pseudo-terminal pair), a server's BMC (OpenIPMI's
#   ipmi_sim, IPMI LAN 2.0) whose inlet sensor judges a second rack without probes, the
#   USB UPS of that rack through Network UPS Tools (upsd + dummy-ups), a local mail
#   catcher (aiosmtpd).
# envmond polls them; the air conditioner stops, the rack heats up, the alert mail
# arrives; cooling restarts, the recovery mail arrives; then envmon-report writes the
# site-audit report of the period. Installs what is missing (Debian 12, as root), builds,
# and stops everything it started. Output in demo-out/.
set -eu
cd "$(dirname "$0")"
top=$PWD
out="$top/demo-out"
jobs=$(nproc 2>/dev/null || echo 2)
PY=/usr/bin/python3
say() { printf '\n==> %s\n' "$*"; }

say "dependencies and build"
contrib/install-deps.sh --demo
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
    autoreconf -fi >/dev/null 2>&1
fi
mkdir -p _build/demo
( cd _build/demo && { [ -f Makefile ] || "$top/configure" >configure.out 2>&1; } &&
  make -j"$jobs" >make.out 2>&1 ) || { tail -30 _build/demo/make.out; exit 1; }
bin="$top/_build/demo"
export ENVMOND_LOCALEDIR="$out/locale"

rm -rf "$out"
mkdir -p "$out/state" "$out/mail" "$out/locale/fr/LC_MESSAGES"
msgfmt -o "$out/locale/fr/LC_MESSAGES/envmond.mo" po/fr.po

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
snmp_port=$(free_port); modbus_port=$(free_port); smtp_port=$(free_port)
pids=()
cleanup() {
    [ -f "$out/envmond.pid" ] && kill "$(cat "$out/envmond.pid")" 2>/dev/null || true
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    tests/peers/snmpsim.sh stop "$snmp_port" "$out/snmpsim" >/dev/null 2>&1 || true
    tests/peers/ptypair.sh stop "$out/line" >/dev/null 2>&1 || true
    $PY tests/peers/ipmipeer.py stop "$out/bmc" >/dev/null 2>&1 || true
    ( cd tests/peers && $PY nutpeer.py stop "$out/nut" ) >/dev/null 2>&1 || true
    wait 2>/dev/null || true
}
trap cleanup EXIT

say "the simulated server room"
tests/peers/snmpsim.sh start tests/peers/snmprec "$snmp_port" "$out/snmpsim" >/dev/null
echo "UPS (UPS-MIB, SNMP v2c)          127.0.0.1:$snmp_port"
$PY tests/peers/modbus_server.py --tcp "$modbus_port" --map tests/peers/modbus-maps/apc-inrow.json \
    --control "$out/clim.sock" --max-seconds 900 >"$out/clim.log" 2>&1 &
pids+=($!)
echo "air conditioner (APC InRow, Modbus TCP) 127.0.0.1:$modbus_port"
tests/peers/ptypair.sh start "$out/line" >/dev/null
$PY tests/peers/modbus_server.py --rtu "$out/line/server" --baud 9600 --parity N --stopbits 1 \
    --map tests/peers/modbus-maps/xy-md02.json --control "$out/sonde.sock" --max-seconds 900 \
    >"$out/sonde.log" 2>&1 &
pids+=($!)
echo "rack probe (XY-MD02, Modbus RTU)  $out/line/client"
$PY tests/peers/smtp_catcher.py --port "$smtp_port" --dir "$out/mail" --max-seconds 900 \
    >"$out/smtp.log" 2>&1 &
pids+=($!)
read -r bmc_port bmc_console < <($PY tests/peers/ipmipeer.py start "$out/bmc")
[ -n "${bmc_console:-}" ] || { echo "ipmi_sim did not start: see $out/bmc/ipmi_sim.log" >&2; exit 1; }
$PY -c 'import sys; sys.path.insert(0, "tests/peers"); import ipmipeer; print(ipmipeer.PASSWORD)' >"$out/bmc.secret"
chmod 600 "$out/bmc.secret"
echo "server BMC (ipmi_sim, IPMI LAN 2.0) 127.0.0.1:$bmc_port, console $bmc_console"
nut_port=$(cd tests/peers && $PY nutpeer.py start "$out/nut" onduleur-b)
[ -n "$nut_port" ] || { echo "upsd did not start: see $out/nut/upsd.log" >&2; exit 1; }
echo "USB UPS of baie-B (NUT upsd + dummy-ups) 127.0.0.1:$nut_port"
echo "mail catcher (SMTP)              localhost:$smtp_port -> $out/mail"

control() {  # control SOCKET COMMAND...: a line to a simulated device
    local sock=$1; shift
    $PY - "$sock" "$*" <<'PYEOF'
import socket, sys, time
for _ in range(100):
    try:
        s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); break
    except OSError:
        time.sleep(0.1)
s.sendall((sys.argv[2] + "\n").encode()); r = s.makefile().readline().strip()
if not r.startswith("ok"): sys.exit("device control: " + r)
PYEOF
}
rack_temperature() {  # the probe's reading and the InRow's inlet air (tenths of °F)
    control "$out/sonde.sock" setv 1 input 1 int16 ABCD "$1" 0.1
    control "$out/clim.sock" setv 1 holding 92 int32 ABCD "$($PY -c "print(round(($1*9/5+32)*10))")"
}
wait_mail() {  # wait_mail COUNT TIMEOUT: until the catcher holds COUNT messages
    local n=0 t=0
    while [ $t -lt "$2" ]; do
        n=$(ls "$out/mail"/*.json 2>/dev/null | wc -l)
        [ "$n" -ge "$1" ] && return 0
        sleep 1; t=$((t + 1))
    done
    echo "only $n mail(s) after $2 s" >&2
    return 1
}
subjects() {
    $PY - "$out/mail" <<'PYEOF'
import email, email.header, glob, sys
for f in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    m = email.message_from_binary_file(open(f, "rb"))
    subj = str(email.header.make_header(email.header.decode_header(m["Subject"])))
    print("   %s  %s" % (f.rsplit("/", 1)[1], subj))
PYEOF
}

sed -e "s|@OUT@|$out|g" -e "s|@TOP@|$top|g" -e "s|@SNMP_PORT@|$snmp_port|" \
    -e "s|@MODBUS_PORT@|$modbus_port|" -e "s|@SMTP_PORT@|$smtp_port|" -e "s|@LINE@|$out/line|" \
    -e "s|@BMC_PORT@|$bmc_port|" -e "s|@NUT_PORT@|$nut_port|" \
    contrib/demo/court.conf.in >"$out/court.conf"
chmod o-r "$out/court.conf"   # it holds the SNMP community inline: not for other users
"$bin/src/daemon/envmond" -t -c "$out/court.conf"

say "envmond starts watching the room"
from=$(date '+%Y-%m-%d %H:%M:%S')
"$bin/src/daemon/envmond" -f -c "$out/court.conf" 2>"$out/envmond.log" &
pids+=($!)
rack_temperature 23.4
sleep 20
"$bin/src/ctl/envmonctl" -c "$out/court.conf" status || true

say "incident: the air conditioner stops and the rack heats up"
control "$out/clim.sock" set 1 holding 87 0
control "$out/clim.sock" set 1 holding 0 8
for t in 24.5 25.6 26.7 27.8 28.9 30.0 31.4; do rack_temperature "$t"; sleep 4; done
wait_mail 2 120
echo "alert mails received:"; subjects
"$bin/src/ctl/envmonctl" -c "$out/court.conf" status || true

say "the technician restarts the air conditioner; the rack cools down"
control "$out/clim.sock" set 1 holding 87 1
control "$out/clim.sock" set 1 holding 0 0
for t in 29.0 26.5 24.8 23.6 23.2; do rack_temperature "$t"; sleep 4; done
wait_mail 4 120
echo "all mails received:"; subjects

say "envmond stops; envmon-report writes the site-audit report"
kill -TERM "$(cat "$out/envmond.pid")"; sleep 1
to=$(date '+%Y-%m-%d %H:%M:%S')
"$bin/src/report/envmon-report" -c "$out/court.conf" --from "$from" --to "$to" --format html -o "$out/rapport.html"
"$bin/src/report/envmon-report" -c "$out/court.conf" --from "$from" --to "$to" --format pdf -o "$out/rapport.pdf"
"$bin/src/report/envmon-report" -c "$out/court.conf" --from "$from" --to "$to" --format text -o "$out/rapport.txt"
"$bin/src/report/envmon-report" -c "$out/court.conf" --from "$from" --to "$to" --format csv -o "$out/rapport.csv"
sed -n '1,40p' "$out/rapport.txt"

say "done"
echo "mails:          $out/mail/*.eml"
echo "report:         $out/rapport.html (also rapport.pdf, rapport.txt, rapport.csv)"
echo "daemon's log:   $out/envmond.log"
echo "RRD files:      $out/state/rrd/   journal: $out/state/journal.jsonl"
