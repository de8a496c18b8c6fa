#!/bin/sh
# mkca.sh OUTDIR — test PKI for the SMTP catcher (openssl CLI only).
#
# Writes into OUTDIR:
#   ca.pem ca.key            test CA (the daemon's trust anchor in tests)
#   server.pem server.key    server certificate for localhost, signed by the CA
#                            (SAN DNS:localhost, IP:127.0.0.1), chain = server.pem
#   rogue.pem rogue.key      self-signed certificate for localhost, signed by no CA:
#                            a client that verifies must refuse it
# Keys are EC P-256, certificates valid 30 days; existing files are overwritten.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
out=$1
mkdir -p "$out"
cd "$out"
umask 077

days=30
san="subjectAltName=DNS:localhost,IP:127.0.0.1"

openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout ca.key -out ca.pem -days "$days" -subj "/O=envmond tests/CN=envmond test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout server.key -out server.csr -subj "/O=envmond tests/CN=localhost" 2>/dev/null
printf '%s\n' "$san" "basicConstraints=CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -out server.pem -days "$days" -extfile server.ext 2>/dev/null
rm -f server.csr server.ext ca.srl

openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout rogue.key -out rogue.pem -days "$days" -subj "/O=rogue/CN=localhost" \
    -addext "$san" 2>/dev/null

chmod 644 ca.pem server.pem rogue.pem
openssl verify -CAfile ca.pem server.pem >/dev/null
echo "$out: ca.pem server.pem server.key rogue.pem rogue.key"
