/* test_config.c — the configuration model: the shipped example loads, and each kind
 * of malformed configuration or profile is reported at its exact file:line. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgparse.h"
#include "conf.h"
#include "xmem.h"

/* Valid profiles every case starts from. */
static const char ups_profile[] =
	"profile = { name = \"ups-test\"; kind = \"ups\"; protocol = \"snmp\"; metrics = (\n"
	"  { name = \"ups_source\"; oid = \"1.3.6.1.2.1.33.1.4.1.0\"; states = { online = 3; on_battery = 5; }; },\n"
	"  { name = \"ups_runtime\"; oid = \"1.3.6.1.2.1.33.1.2.3.0\"; scale = 60.0; unit = \"s\"; invalid = [ 999, -1 ]; }\n"
	"); };\n";
static const char probe_profile[] =
	"profile = { name = \"probe-test\"; kind = \"probe\"; protocol = \"modbus\"; metrics = (\n"
	"  { name = \"temperature\"; table = \"input\"; address = 1; scale = 0.1; },\n"
	"  { name = \"humidity\"; table = \"input\"; address = 2; scale = 0.1; }\n"
	"); };\n";
static const char cool_profile[] =
	"profile = { name = \"cool-test\"; kind = \"cooling\"; protocol = \"modbus\"; metrics = (\n"
	"  { name = \"cooling_state\"; table = \"holding\"; address = 0; states = { running = 1; stopped = 0; alarm = 2; }; },\n"
	"  { name = \"supply_temperature\"; table = \"holding\"; address = 94; type = \"int32\"; scale = 0.1; convert = \"f_to_c\"; }\n"
	"); };\n";

/* Each macro is exactly one line, so that expected line numbers can be counted. */
#define L_SITE "site = { name = \"T\"; code = \"TJ-T\"; contacts = { arsit = [ \"a@example.org\" ]; }; };\n"
#define L_PATHS "paths = { profiles_dir = \"profiles\"; state_dir = \"state\"; };\n"
#define DEV_UPS "{ name = \"ups1\"; profile = \"ups-test\"; snmp = { host = \"127.0.0.1\"; }; },\n"
#define DEV_PROBE "{ name = \"probe1\"; profile = \"probe-test\"; modbus = { host = \"127.0.0.1\"; }; },\n"
#define DEV_COOL "{ name = \"clim1\"; profile = \"cool-test\"; modbus = { host = \"127.0.0.1\"; port = 1502; }; }\n"
/* Lines 3-7; an extra device (starting with ',') is line 7 and ");" moves to 8. */
#define DEVICES_WITH(x) "devices = (\n" DEV_UPS DEV_PROBE DEV_COOL x ");\n"
#define DEVICES DEVICES_WITH("")
#define RACK_WITH(probes, cooling, servers) \
	"racks = ( { name = \"r1\"; probes = [ " probes " ]; cooling = [ " cooling " ]; servers = ( " servers " ); } );\n"
#define SERVER "{ name = \"s1\"; role = \"comci\"; ups = [ \"ups1\" ]; }"
#define RACK RACK_WITH("\"probe1\"", "\"clim1\"", SERVER)
/* Lines 1-8 */
#define VALID L_SITE L_PATHS DEVICES RACK

/* A BMC (line 7) for a server's `inlet`, and its profile (extra.conf). */
#define DEVICES_BMC DEVICES_WITH(",{ name = \"bmc1\"; profile = \"extra\"; ipmi = { host = \"127.0.0.1\"; }; }\n")
#define BMC_PROFILE "profile = { name = \"extra\"; kind = \"probe\"; protocol = \"ipmi\"; metrics = (\n" \
	" { name = \"temperature\"; sensors = [ \"Inlet Temp\" ]; } ); };\n"

struct bad_case {
	const char *name;
	const char *conf;          /* envmond.conf */
	const char *profile;       /* extra profiles/extra.conf, or NULL */
	const char *where;         /* expected "file:line:" suffix of the error */
	const char *message;       /* part of the expected message */
	const char *secret_file;   /* a secret file to create with secret_mode */
	mode_t secret_mode;
};

#define PROFILE_HEAD(kind, proto) \
	"profile = { name = \"extra\"; kind = \"" kind "\"; protocol = \"" proto "\"; metrics = (\n"

static const struct bad_case cases[] = {
	{ "syntax error", L_SITE "paths = { profiles_dir = = \"profiles\"; };\n", NULL,
	  "envmond.conf:2:", "syntax error" },
	{ "duration with a unit", L_SITE "alerts = { hold = 5m; };\n", NULL,
	  "envmond.conf:2:", "syntax error: a value is expected here: a number (durations are in seconds: 300, not 5m)" },
	{ "array of two types", L_SITE "specs = { room = { temperature = [18.0, 27]; }; };\n", NULL,
	  "envmond.conf:2:", "the values of an array [ ... ] must all be of one type" },
	{ "unknown top-level setting", VALID "colour = \"blue\";\n", NULL,
	  "envmond.conf:9:", "unknown setting 'colour'" },
	{ "missing site", L_PATHS DEVICES, NULL, "envmond.conf:1:", "missing setting 'site'" },
	{ "site code with a space", "site = { name = \"T\"; code = \"TJ T\"; contacts = { arsit = [ \"a@example.org\" ]; }; };\n"
	  L_PATHS, NULL, "envmond.conf:1:", "'code' must be a short identifier" },
	{ "no ARSIT address", "site = { name = \"T\"; code = \"T\";\n contacts = { arsit = [ ]; }; };\n" L_PATHS, NULL,
	  "envmond.conf:2:", "at least one address" },
	{ "digest time", VALID "mail = { server = \"localhost\"; tls = \"none\"; from = \"e@example.org\";\n digest = \"8h\"; };\n",
	  NULL, "envmond.conf:10:", "'digest' = \"8h\" is not a time like \"08:00\"" },
	{ "battery date", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"ups-test\"; battery_installed = \"2021-13-01\"; snmp = { host = \"h\"; }; }\n"),
	  NULL, "envmond.conf:7:", "'battery_installed' = \"2021-13-01\" is not a date like \"2022-05-01\"" },
	{ "battery date on a probe", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"probe-test\"; battery_installed = \"2021-05-01\"; modbus = { host = \"h\"; }; }\n"),
	  NULL, "envmond.conf:7:", "'battery_installed' is for a UPS, and device 'd' is not one" },
	{ "unknown role in contacts.roles", "site = { name = \"T\"; code = \"T\"; contacts = { arsit = [ \"a@example.org\" ];\n"
	  " roles = { visio = [ \"v@example.org\" ]; }; }; };\n" L_PATHS, NULL, "envmond.conf:2:", "unknown setting 'visio'" },
	{ "invalid role address", "site = { name = \"T\"; code = \"T\"; contacts = { arsit = [ \"a@example.org\" ];\n"
	  " roles = { ppn = [ \"ppn\" ]; }; }; };\n" L_PATHS, NULL, "envmond.conf:2:", "\"ppn\" is not a valid e-mail address" },
	{ "invalid e-mail", "site = { name = \"T\"; code = \"T\";\n contacts = { arsit = [ \"arsit\" ]; }; };\n" L_PATHS, NULL,
	  "envmond.conf:2:", "\"arsit\" is not a valid e-mail address" },
	{ "step out of range", VALID "storage = { step = 1; };\n", NULL,
	  "envmond.conf:9:", "'step' = 1 is out of range (5 to 300)" },
	{ "step of the wrong type", VALID "storage = {\n step = \"30\"; };\n", NULL,
	  "envmond.conf:10:", "'step' must be an integer from 5 to 300" },
	{ "unknown device setting", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"probe-test\"; intervall = 30; modbus = { host = \"h\"; }; }\n"),
	  NULL, "envmond.conf:7:", "unknown setting 'intervall'" },
	{ "device without transport", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"probe-test\"; }\n"),
	  NULL, "envmond.conf:7:", "needs one of 'snmp', 'modbus', 'nut', 'ipmi' or 'sim'" },
	{ "device with two transports", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"probe-test\"; "
	  "modbus = { host = \"h\"; }; snmp = { host = \"h\"; }; }\n"), NULL, "envmond.conf:7:", "more than one of" },
	{ "duplicate device", L_SITE L_PATHS DEVICES_WITH(", { name = \"ups1\"; profile = \"ups-test\"; snmp = { host = \"h\"; }; }\n"),
	  NULL, "envmond.conf:7:", "device 'ups1' is already defined at line 4" },
	{ "unknown profile", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"nope\"; snmp = { host = \"h\"; }; }\n"),
	  NULL, "envmond.conf:7:", "unknown profile \"nope\"" },
	{ "profile of the wrong protocol", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"probe-test\"; snmp = { host = \"h\"; }; }\n"),
	  NULL, "envmond.conf:7:", "profile \"probe-test\" is for Modbus devices" },
	{ "SNMP version 4", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"ups-test\"; snmp = { host = \"h\"; version = \"4\"; }; }\n"),
	  NULL, "envmond.conf:7:", "'version' = \"4\" is not one of: 1, 2c, 3" },
	{ "SNMPv3 short pass phrase", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"ups-test\"; snmp = { host = \"h\"; "
	  "version = \"3\"; user = \"u\"; auth = \"SHA\"; auth_pass = \"short\"; }; }\n"),
	  NULL, "envmond.conf:7:", "at least 8 characters" },
	{ "SNMPv3 privacy without authentication", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"ups-test\"; snmp = { host = \"h\"; "
	  "version = \"3\"; user = \"u\"; priv = \"AES\"; priv_pass = \"12345678\"; }; }\n"),
	  NULL, "envmond.conf:7:", "privacy (priv) needs authentication" },
	{ "secret file readable by others", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"ups-test\"; snmp = { host = \"h\"; "
	  "version = \"3\"; user = \"u\"; auth = \"SHA\"; auth_pass_file = \"ups.auth\"; }; }\n"),
	  NULL, "envmond.conf:7:", "is accessible by group or others (mode 0644)", "ups.auth", 0644 },
	{ "missing secret file", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"ups-test\"; snmp = { host = \"h\"; "
	  "version = \"3\"; user = \"u\"; auth = \"SHA\"; auth_pass_file = \"none.auth\"; }; }\n"),
	  NULL, "envmond.conf:7:", "cannot open secret file" },
	{ "Modbus host and serial", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"probe-test\"; modbus = { host = \"h\"; serial = \"/dev/ttyS0\"; }; }\n"),
	  NULL, "envmond.conf:7:", "either 'host' (TCP) or 'serial' (RTU)" },
	{ "non-standard baud rate", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"probe-test\"; modbus = { serial = \"/dev/ttyS0\"; baud = 9601; }; }\n"),
	  NULL, "envmond.conf:7:", "'baud' = 9601 is not a standard rate" },
	{ "unknown parity", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"probe-test\"; modbus = { serial = \"/dev/ttyS0\"; parity = \"X\"; }; }\n"),
	  NULL, "envmond.conf:7:", "'parity' = \"X\" is not one of: N, E, O" },
	{ "RTU broadcast unit", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"probe-test\"; modbus = { serial = \"/dev/ttyS0\"; unit = 0; }; }\n"),
	  NULL, "envmond.conf:7:", "'unit' = 0 is out of range (1 to 247)" },
	/* Settings of another transport or SNMP version are errors at their own line. */
	{ "serial settings on Modbus TCP", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"probe-test\"; modbus = { host = \"h\";\n"
	  " baud = 9600; parity = \"X\"; }; }\n"), NULL, "envmond.conf:8:", "'baud' applies to serial links only" },
	{ "parity on Modbus TCP", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"probe-test\"; modbus = { host = \"h\";\n"
	  " baud = 9600; parity = \"X\"; }; }\n"), NULL, "envmond.conf:8:", "'parity' applies to serial links only" },
	{ "stop bits on Modbus TCP", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"probe-test\"; modbus = { host = \"h\"; stop_bits = 2; }; }\n"),
	  NULL, "envmond.conf:7:", "'stop_bits' applies to serial links only" },
	{ "TCP port on a serial link", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"probe-test\"; modbus = { serial = \"/dev/ttyS0\";\n"
	  " port = 502; }; }\n"), NULL, "envmond.conf:8:", "'port' applies to Modbus TCP only" },
	{ "SNMPv3 authentication on v2c", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"ups-test\"; snmp = { host = \"h\";\n"
	  " auth = \"SHA\"; priv_pass = \"x\"; }; }\n"), NULL, "envmond.conf:8:", "'auth' is for SNMP version 3; this device uses version 2c" },
	{ "SNMPv3 privacy pass phrase on v2c", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"ups-test\"; snmp = { host = \"h\";\n"
	  " auth = \"SHA\"; priv_pass = \"x\"; }; }\n"), NULL, "envmond.conf:8:", "'priv_pass' is for SNMP version 3; this device uses version 2c" },
	{ "SNMPv3 context on v1", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"ups-test\"; snmp = { host = \"h\"; version = \"1\"; context = \"c\"; }; }\n"),
	  NULL, "envmond.conf:7:", "'context' is for SNMP version 3; this device uses version 1" },
	{ "community on SNMPv3", L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"ups-test\"; snmp = { host = \"h\"; version = \"3\"; user = \"u\";\n"
	  " community = \"public\"; }; }\n"), NULL, "envmond.conf:8:", "'community' is for SNMP versions 1 and 2c; this device uses version 3" },
	{ "rack with an unknown device", L_SITE L_PATHS DEVICES RACK_WITH("\"probe9\"", "\"clim1\"", SERVER), NULL,
	  "envmond.conf:8:", "'probes': unknown device 'probe9'" },
	{ "UPS feed that is not a UPS", L_SITE L_PATHS DEVICES
	  RACK_WITH("\"probe1\"", "\"clim1\"", "{ name = \"s1\"; role = \"comci\"; ups = [ \"clim1\" ]; }"), NULL,
	  "envmond.conf:8:", "'ups': device 'clim1' is a cooling, not a ups" },
	{ "cooling that is not cooling", L_SITE L_PATHS DEVICES RACK_WITH("\"probe1\"", "\"ups1\"", SERVER), NULL,
	  "envmond.conf:8:", "'cooling': device 'ups1' is a ups, not a cooling" },
	{ "probe that measures nothing", L_SITE L_PATHS DEVICES RACK_WITH("\"ups1\"", "\"clim1\"", SERVER), NULL,
	  "envmond.conf:8:", "measures neither temperature nor humidity" },
	{ "server without role", L_SITE L_PATHS DEVICES
	  RACK_WITH("\"probe1\"", "\"clim1\"", "{ name = \"s1\"; ups = [ \"ups1\" ]; }"), NULL,
	  "envmond.conf:8:", "server 's1': missing setting 'role'" },
	{ "unknown role", L_SITE L_PATHS DEVICES
	  RACK_WITH("\"probe1\"", "\"clim1\"", "{ name = \"s1\"; role = \"mail\"; }"), NULL,
	  "envmond.conf:8:", "'role' = \"mail\" is not one of: digitization, comci, ppn, visioconference, other" },
	{ "duplicate server", L_SITE L_PATHS DEVICES
	  RACK_WITH("\"probe1\"", "\"clim1\"", "{ name = \"s1\"; role = \"comci\"; }, { name = \"s1\"; role = \"other\"; }"),
	  NULL, "envmond.conf:8:", "server 's1' is already defined at line 8" },
	/* Multi-line racks: each clash is reported at the line of the second name. */
	{ "duplicate server on its own line", L_SITE L_PATHS DEVICES
	  "racks = ( { name = \"r1\"; probes = [ \"probe1\" ]; servers = (\n"
	  " { name = \"s1\"; role = \"comci\"; },\n"
	  " { name = \"s1\"; role = \"other\"; } ); } );\n",
	  NULL, "envmond.conf:10:", "server 's1' is already defined at line 9" },
	{ "duplicate server in another rack", L_SITE L_PATHS DEVICES
	  "racks = ( { name = \"r1\"; servers = ( { name = \"s1\"; role = \"comci\"; } ); },\n"
	  " { name = \"r2\"; servers = (\n"
	  " { name = \"s1\"; role = \"other\"; } ); } );\n",
	  NULL, "envmond.conf:10:", "server 's1' is already defined at line 8" },
	{ "duplicate rack", L_SITE L_PATHS DEVICES
	  "racks = ( { name = \"r1\"; servers = ( { name = \"s1\"; role = \"comci\"; } ); },\n"
	  " { name = \"r1\"; servers = ( ); } );\n",
	  NULL, "envmond.conf:9:", "rack 'r1' is already defined at line 8" },
	{ "rack named like a device", L_SITE L_PATHS DEVICES
	  "racks = ( { name = \"r1\"; servers = ( { name = \"s1\"; role = \"comci\"; } ); },\n"
	  " { servers = ( );\n name = \"clim1\"; } );\n",
	  NULL, "envmond.conf:10:", "rack 'clim1' has the name of a device" },
	{ "rack named like a server", L_SITE L_PATHS DEVICES
	  "racks = ( { name = \"r1\"; servers = ( { name = \"s1\"; role = \"comci\"; } ); },\n"
	  " { name = \"s1\"; servers = ( ); } );\n",
	  NULL, "envmond.conf:9:", "rack 's1' has the name of the server at line 8" },
	{ "server named like its rack", L_SITE L_PATHS DEVICES
	  "racks = ( { name = \"r1\"; servers = (\n"
	  " { name = \"r1\"; role = \"other\"; } ); } );\n",
	  NULL, "envmond.conf:9:", "server 'r1' has the name of the rack at line 8" },
	{ "server named like another rack", L_SITE L_PATHS DEVICES
	  "racks = ( { name = \"r1\"; servers = ( { name = \"s1\"; role = \"comci\"; } ); },\n"
	  " { name = \"r2\"; servers = (\n"
	  " { name = \"r1\"; role = \"other\"; } ); } );\n",
	  NULL, "envmond.conf:10:", "server 'r1' has the name of the rack at line 8" },
	{ "server named like a device, on its own line", L_SITE L_PATHS DEVICES
	  "racks = ( { name = \"r1\"; servers = (\n"
	  " { name = \"ups1\"; role = \"other\"; } ); } );\n",
	  NULL, "envmond.conf:9:", "server 'ups1' has the name of a device" },
	{ "server named like a device", L_SITE L_PATHS DEVICES
	  RACK_WITH("\"probe1\"", "\"clim1\"", "{ name = \"ups1\"; role = \"other\"; }"), NULL,
	  "envmond.conf:8:", "server 'ups1' has the name of a device" },
	{ "unknown criterion", VALID "specs = { default = {\n temprature = { warn = [ 18, 27 ]; }; }; };\n", NULL,
	  "envmond.conf:10:", "unknown criterion 'temprature'" },
	{ "warning outside critical", VALID "specs = {\n comci = { temperature = { warn = [ 18, 35 ]; }; }; };\n", NULL,
	  "envmond.conf:10:", "spec 'comci', temperature: the warning bounds must lie inside the critical bounds" },
	{ "inherit from unknown spec", VALID "specs = {\n comci = { inherit = \"base\"; }; };\n", NULL,
	  "envmond.conf:10:", "spec 'comci' inherits from unknown spec 'base'" },
	{ "inheritance loop", VALID "specs = { a = { inherit = \"b\"; };\n b = { inherit = \"a\"; }; };\n", NULL,
	  "envmond.conf:9:", "spec 'a' inherits from itself" },
	{ "reversed range", VALID "specs = { default = {\n temperature = { warn = [ 30, 20 ]; }; }; };\n", NULL,
	  "envmond.conf:10:", "the low bound 30 must be below the high bound 20" },
	{ "bounds on a state criterion", VALID "specs = { default = {\n ups_source = { warn = [ 1, 2 ]; }; }; };\n", NULL,
	  "envmond.conf:10:", "unknown setting 'warn'" },
	{ "unknown server spec", L_SITE L_PATHS DEVICES
	  RACK_WITH("\"probe1\"", "\"clim1\"", "{ name = \"s1\"; role = \"other\"; spec = \"gold\"; }"), NULL,
	  "envmond.conf:8:", "unknown spec 'gold'" },
	{ "maintenance of nothing", VALID "maintenance = (\n { target = \"clim9\"; from = \"2026-01-01 08:00\"; to = \"2026-01-01 09:00\"; } );\n",
	  NULL, "envmond.conf:10:", "maintenance target 'clim9' is neither a device nor a server" },
	{ "maintenance date", VALID "maintenance = (\n { target = \"clim1\"; from = \"01/01/2026\"; to = \"2026-01-01 09:00\"; } );\n",
	  NULL, "envmond.conf:10:", "'from' = \"01/01/2026\" is not a date" },
	{ "maintenance backwards", VALID "maintenance = (\n { target = \"s1\"; from = \"2026-01-01 10:00\"; to = \"2026-01-01 09:00\"; } );\n",
	  NULL, "envmond.conf:10:", "ends before it starts" },
	{ "clear text mail across the network", VALID "mail = {\n server = \"smtp.example.org\"; tls = \"none\"; from = \"e@example.org\"; };\n",
	  NULL, "envmond.conf:9:", "tls = \"none\" is only allowed" },
	{ "clear text mail to a name that starts with 127.", VALID "mail = {\n server = \"127.attacker.example\"; tls = \"none\"; from = \"e@example.org\"; };\n",
	  NULL, "envmond.conf:9:", "tls = \"none\" is only allowed" },
	{ "clear text mail to a name that starts with localhost", VALID "mail = {\n server = \"localhost.attacker.example\"; tls = \"none\"; from = \"e@example.org\"; };\n",
	  NULL, "envmond.conf:9:", "tls = \"none\" is only allowed" },
	{ "clear text mail to an IPv4-mapped remote address", VALID "mail = {\n server = \"::ffff:192.0.2.1\"; tls = \"none\"; from = \"e@example.org\"; };\n",
	  NULL, "envmond.conf:9:", "tls = \"none\" is only allowed" },
	{ "mail user without password", VALID "mail = {\n server = \"localhost\"; user = \"u\"; from = \"e@example.org\"; };\n",
	  NULL, "envmond.conf:9:", "'user' is set: give 'password_file' too" },
	{ "mail without sender", VALID "mail = {\n server = \"localhost\"; };\n",
	  NULL, "envmond.conf:9:", "missing setting 'from'" },
	{ "flapping marks reversed", VALID "alerts = {\n flap_high = 0.2; flap_low = 0.4; };\n",
	  NULL, "envmond.conf:9:", "'flap_low' must not exceed 'flap_high'" },
	/* Profiles */
	{ "profile syntax error", VALID, "profile = { name = \"extra\";\n kind = ups; };\n",
	  "profiles/extra.conf:2:", "syntax error" },
	{ "profile without kind", VALID, "profile = {\n name = \"extra\"; protocol = \"snmp\"; metrics = ( ); };\n",
	  "profiles/extra.conf:1:", "missing setting 'kind'" },
	{ "profile protocol", VALID, "profile = {\n name = \"extra\"; kind = \"ups\"; protocol = \"bacnet\"; };\n",
	  "profiles/extra.conf:2:", "'protocol' = \"bacnet\" is not one of: snmp, modbus" },
	{ "metric name", VALID, PROFILE_HEAD("probe", "snmp") " { name = \"Temp-1\"; oid = \"1.3.6.1.4.1.1.0\"; } ); };\n",
	  "profiles/extra.conf:2:", "metric name \"Temp-1\" must be 1 to 19 characters" },
	{ "symbolic OID", VALID, PROFILE_HEAD("probe", "snmp") " { name = \"temperature\"; oid = \"upsBatteryTemperature.0\"; } ); };\n",
	  "profiles/extra.conf:2:", "is not a numeric OID" },
	{ "wrong canonical unit", VALID, PROFILE_HEAD("probe", "snmp") " { name = \"temperature\"; oid = \"1.3.6.1.4.1.1.0\"; unit = \"F\"; } ); };\n",
	  "profiles/extra.conf:2:", "metric 'temperature' must be in \"°C\"" },
	{ "state without map", VALID, PROFILE_HEAD("ups", "snmp") " { name = \"ups_source\"; oid = \"1.3.6.1.4.1.1.0\"; } ); };\n",
	  "profiles/extra.conf:2:", "metric 'ups_source' is a state: it needs a 'states' map" },
	{ "state not in the vocabulary", VALID, PROFILE_HEAD("ups", "snmp")
	  " { name = \"ups_source\"; oid = \"1.3.6.1.4.1.1.0\";\n states = { charging = 3; }; } ); };\n",
	  "profiles/extra.conf:3:", "\"charging\" is not a state of 'ups_source'" },
	{ "raw value in two states", VALID, PROFILE_HEAD("ups", "snmp")
	  " { name = \"ups_source\"; oid = \"1.3.6.1.4.1.1.0\";\n states = { online = 3; bypass = 3; }; } ); };\n",
	  "profiles/extra.conf:3:", "raw value 3 is mapped to two states" },
	{ "duplicate metric", VALID, PROFILE_HEAD("probe", "snmp") " { name = \"humidity\"; oid = \"1.3.6.1.4.1.1.0\"; },\n"
	  " { name = \"humidity\"; oid = \"1.3.6.1.4.1.2.0\"; } ); };\n",
	  "profiles/extra.conf:3:", "metric 'humidity' is defined twice" },
	{ "register without address", VALID, PROFILE_HEAD("probe", "modbus") " { name = \"temperature\"; table = \"input\"; } ); };\n",
	  "profiles/extra.conf:2:", "missing setting 'address'" },
	{ "register past the end", VALID, PROFILE_HEAD("probe", "modbus")
	  " { name = \"temperature\"; table = \"holding\"; address = 65535; type = \"float32\"; } ); };\n",
	  "profiles/extra.conf:2:", "register range ends past 65535" },
	{ "bit out of range", VALID, PROFILE_HEAD("probe", "modbus")
	  " { name = \"temperature\"; table = \"holding\"; address = 3; type = \"bit\"; bit = 16; } ); };\n",
	  "profiles/extra.conf:2:", "'bit' = 16 is out of range (0 to 15)" },
	{ "zero scale", VALID, PROFILE_HEAD("probe", "modbus")
	  " { name = \"temperature\"; table = \"input\"; address = 1; scale = 0.0; } ); };\n",
	  "profiles/extra.conf:2:", "'scale' cannot be 0" },
	{ "derived metric read from a device", VALID, PROFILE_HEAD("probe", "modbus")
	  " { name = \"dew_point\"; table = \"input\"; address = 1; } ); };\n",
	  "profiles/extra.conf:2:", "computed by envmond" },
	{ "OID in a Modbus profile", VALID, PROFILE_HEAD("probe", "modbus")
	  " { name = \"temperature\"; table = \"input\"; address = 1; oid = \"1.3.6.1.4.1.1.0\"; } ); };\n",
	  "profiles/extra.conf:2:", "unknown setting 'oid'" },
	{ "duplicate profile name", VALID,
	  "profile = { name = \"ups-test\"; kind = \"ups\"; protocol = \"snmp\"; metrics = (\n"
	  " { name = \"ups_load\"; oid = \"1.3.6.1.4.1.1.0\"; } ); };\n",
	  "profiles/ups-test.conf:1:", "profile \"ups-test\" is also defined in" },
	{ "step that does not divide 5 min", VALID "storage = { step = 7; };\n", NULL,
	  "envmond.conf:9:", "'step' = 7 must divide 300" },
	{ "step longer than 5 min", VALID "storage = {\n step = 600; };\n", NULL,
	  "envmond.conf:10:", "'step' = 600 is out of range (5 to 300)" },
	/* A server's own BMC as its inlet (issue 15.3): the rack is line 9. */
	{ "inlet: unknown device", L_SITE L_PATHS DEVICES_BMC
	  RACK_WITH("\"probe1\"", "\"clim1\"", "{ name = \"s1\"; role = \"comci\"; inlet = \"bmc9\"; }"),
	  BMC_PROFILE, "envmond.conf:9:", "'inlet': unknown device 'bmc9'" },
	{ "inlet: not an IPMI device", L_SITE L_PATHS DEVICES_BMC
	  RACK_WITH("", "\"clim1\"", "{ name = \"s1\"; role = \"comci\"; inlet = \"probe1\"; }"),
	  BMC_PROFILE, "envmond.conf:9:", "'inlet': device 'probe1' is not an IPMI device (it is read over modbus-tcp)" },
	{ "inlet: no temperature metric", L_SITE L_PATHS DEVICES_BMC
	  RACK_WITH("", "", "{ name = \"s1\"; role = \"comci\"; inlet = \"bmc1\"; }"),
	  PROFILE_HEAD("probe", "ipmi") " { name = \"exhaust_temperature\"; sensors = [ \"Exhaust Temp\" ]; } ); };\n",
	  "envmond.conf:9:", "'inlet': device 'bmc1' has no 'temperature' metric in its profile 'extra'" },
	{ "inlet: two servers, one BMC", L_SITE L_PATHS DEVICES_BMC
	  RACK_WITH("", "", "{ name = \"s1\"; role = \"comci\"; inlet = \"bmc1\"; },\n"
	  "{ name = \"s2\"; role = \"comci\"; inlet = \"bmc1\"; }"),
	  BMC_PROFILE, "envmond.conf:10:", "'inlet': device 'bmc1' is already the inlet of server 's1' at line 9" },
	{ "inlet: also a probe of the rack", L_SITE L_PATHS DEVICES_BMC
	  RACK_WITH("\"bmc1\"", "", "{ name = \"s1\"; role = \"comci\"; inlet = \"bmc1\"; }"),
	  BMC_PROFILE, "envmond.conf:9:", "'inlet': device 'bmc1' is a probe of rack 'r1' at line 9: name it in one place only" },
	{ "inlet: a probe of a later rack", L_SITE L_PATHS DEVICES_BMC
	  "racks = ( { name = \"r1\"; servers = ( { name = \"s1\"; role = \"comci\"; inlet = \"bmc1\"; } ); },\n"
	  "{ name = \"r2\"; probes = [ \"bmc1\" ]; servers = ( { name = \"s2\"; role = \"comci\"; } ); } );\n",
	  BMC_PROFILE, "envmond.conf:10:", "'probes': device 'bmc1' is the inlet of server 's1' at line 9" },
	{ "inlet: not a string", L_SITE L_PATHS DEVICES_BMC
	  RACK_WITH("", "", "{ name = \"s1\"; role = \"comci\"; inlet = [ \"bmc1\" ]; }"),
	  BMC_PROFILE, "envmond.conf:9:", "inlet" },
};

static char *tmpdir;

static void write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	free(path);
}

static char *make_site(const char *conf, const char *extra_profile)
{
	char *dir = xasprintf("%s/XXXXXX", tmpdir);
	char *profiles;

	assert_non_null(mkdtemp(dir));
	profiles = xasprintf("%s/profiles", dir);
	assert_int_equal(mkdir(profiles, 0755), 0);
	write_file(profiles, "ups-test.conf", ups_profile, 0644);
	write_file(profiles, "probe-test.conf", probe_profile, 0644);
	write_file(profiles, "cool-test.conf", cool_profile, 0644);
	if (extra_profile)
		write_file(profiles, "extra.conf", extra_profile, 0644);
	write_file(dir, "envmond.conf", conf, 0644);
	free(profiles);
	return dir;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* True if some error reads ".../<where> ...<message>...". */
static bool has_error(const struct cfgparse *p, const char *where, const char *message)
{
	for (size_t i = 0; i < p->n_errors; i++) {
		const char *e = p->errors[i];
		const char *colon = strstr(e, ": ");

		if (colon && ends_with(e, (size_t)(colon - e) + 1, where) && strstr(colon, message))
			return true;
	}
	return false;
}

static void test_bad_case(void **state)
{
	const struct bad_case *c = *state;
	char *dir = make_site(c->conf, c->profile);
	char *file = xasprintf("%s/envmond.conf", dir);
	struct cfgparse p;
	struct config *cfg;

	if (c->secret_file)
		write_file(dir, c->secret_file, "a-secret-pass\n", c->secret_mode);
	cfgparse_init(&p);
	cfg = conf_load(&p, file);
	if (cfg || !has_error(&p, c->where, c->message)) {
		print_error("case \"%s\": expected %s %s\ngot %zu errors:\n", c->name, c->where, c->message,
			p.n_errors);
		cfgparse_print(&p, stderr);
	}
	assert_null(cfg);
	assert_true(has_error(&p, c->where, c->message));
	cfgparse_fini(&p);
	free(file);
	free(dir);
}

/* A secret file that cannot be read is one error: not followed by "a pass phrase is
 * required" or "give 'password_file' too", which would send the reader elsewhere. */
static void test_unreadable_secret_one_error(void **state)
{
	static const char conf[] = L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"ups-test\"; "
		"snmp = { host = \"h\"; version = \"3\"; user = \"u\"; auth = \"SHA\"; auth_pass_file = \"none.auth\"; "
		"priv = \"AES\"; priv_pass_file = \"open.priv\"; }; }\n")
		"mail = { server = \"localhost\"; tls = \"none\"; user = \"u\"; password_file = \"none.secret\";\n"
		"  from = \"envmond <e@example.org>\"; };\n";
	char *dir = make_site(conf, NULL);
	char *file = xasprintf("%s/envmond.conf", dir);
	struct cfgparse p;

	write_file(dir, "open.priv", "a-secret-pass\n", 0640);
	cfgparse_init(&p);
	assert_null(conf_load(&p, file));
	cfgparse_print(&p, stderr);
	assert_int_equal(p.n_errors, 3);
	assert_true(has_error(&p, "envmond.conf:7:", "cannot open secret file"));
	assert_true(has_error(&p, "envmond.conf:7:", "is accessible by group or others (mode 0640)"));
	assert_true(has_error(&p, "envmond.conf:9:", "cannot open secret file"));
	cfgparse_fini(&p);
	free(file);
	free(dir);
}

/* A 0600 secret file of another user (nobody) is refused: its owner could change it. */
static void test_secret_file_owner(void **state)
{
	static const char conf[] = L_SITE L_PATHS DEVICES_WITH(", { name = \"d\"; profile = \"ups-test\"; "
		"snmp = { host = \"h\"; community_file = \"nobody.secret\"; }; }\n");
	char *dir = make_site(conf, NULL);
	char *file = xasprintf("%s/envmond.conf", dir), *secret = xasprintf("%s/nobody.secret", dir);
	struct cfgparse p;

	write_file(dir, "nobody.secret", "a-secret-pass\n", 0600);
	if (geteuid() != 0 || chown(secret, 65534, 65534) < 0) {
		free(file);
		free(secret);
		free(dir);
		skip();
	}
	cfgparse_init(&p);
	assert_null(conf_load(&p, file));
	assert_true(has_error(&p, "envmond.conf:7:", "belongs to uid 65534: it must belong to root"));
	cfgparse_fini(&p);
	free(file);
	free(secret);
	free(dir);
}

static void test_valid_minimal(void **state)
{
	char *dir = make_site(VALID, NULL);
	char *file = xasprintf("%s/envmond.conf", dir);
	struct cfgparse p;
	struct config *cfg;
	const struct cfg_server *s1;

	cfgparse_init(&p);
	cfg = conf_load(&p, file);
	cfgparse_print(&p, stderr);
	assert_non_null(cfg);
	assert_int_equal(cfg->n_devices, 3);
	assert_int_equal(cfg->n_profiles, 3);
	assert_int_equal(cfg->storage.step_s, 30);
	assert_int_equal(cfg->devices[0].interval_s, 30);
	assert_int_equal(cfg->devices[0].dead_intervals, 3);
	assert_int_equal(cfg->devices[0].snmp.version, 2); /* v2c */
	assert_string_equal(cfg->devices[0].snmp.community, "public");
	assert_int_equal(cfg->devices[1].protocol, PROTO_MODBUS_TCP);
	assert_int_equal(cfg->devices[1].modbus.port, 502);
	s1 = conf_server(cfg, "s1");
	assert_non_null(s1);
	assert_int_equal(s1->role, ROLE_COMCI);
	assert_int_equal(s1->n_ups, 1);
	assert_ptr_equal(s1->ups[0], conf_device(cfg, "ups1"));
	assert_string_equal(s1->spec->name, "default");
	/* Built-in ASHRAE envelope. */
	assert_true(s1->spec->crit[CRIT_TEMPERATURE].warn_hi == 27.0);
	assert_true(s1->spec->crit[CRIT_TEMPERATURE].crit_lo == 15.0);
	assert_true(isnan(s1->spec->crit[CRIT_HUMIDITY].warn_lo));
	assert_false(cfg->mail.enabled);
	conf_free(cfg);
	cfgparse_fini(&p);
	free(file);
	free(dir);
}

/* conf loaded from a site made of conf (no extra profile); it must be valid. */
static struct config *load_valid(const char *conf)
{
	char *dir = make_site(conf, NULL);
	char *file = xasprintf("%s/envmond.conf", dir);
	struct cfgparse p;
	struct config *cfg;

	cfgparse_init(&p);
	cfg = conf_load(&p, file);
	cfgparse_print(&p, stderr);
	cfgparse_fini(&p);
	free(file);
	free(dir);
	assert_non_null(cfg);
	return cfg;
}

/* A role spec inherits "default", which starts from the built-in values. */
static void test_spec_inheritance(void **state)
{
	struct config *cfg = load_valid(L_SITE L_PATHS DEVICES
		RACK_WITH("\"probe1\"", "\"clim1\"", "{ name = \"s1\"; role = \"comci\"; }, { name = \"s2\"; role = \"other\"; }")
		"specs = { default = { temperature = { warn = [ 19, 26 ]; hold = 120; }; };\n"
		" comci = { temperature = { warn_above = 25; }; ups_runtime = { crit_below = 900; warn_below = 1200; }; }; };\n");
	const struct cfg_threshold *t;

	t = conf_server(cfg, "s1")->spec->crit;
	assert_string_equal(conf_server(cfg, "s1")->spec->name, "comci");
	assert_true(t[CRIT_TEMPERATURE].warn_lo == 19.0);   /* from default */
	assert_true(t[CRIT_TEMPERATURE].warn_hi == 25.0);   /* own */
	assert_true(t[CRIT_TEMPERATURE].crit_hi == 32.0);   /* built in */
	assert_int_equal(t[CRIT_TEMPERATURE].hold_s, 120);
	assert_true(t[CRIT_UPS_RUNTIME].crit_lo == 900.0);
	t = conf_server(cfg, "s2")->spec->crit;
	assert_string_equal(conf_server(cfg, "s2")->spec->name, "default");
	assert_true(t[CRIT_TEMPERATURE].warn_hi == 26.0);
	assert_true(t[CRIT_UPS_RUNTIME].crit_lo == 600.0);
	conf_free(cfg);
}

/* The roles ppn and visioconference: built-in specs (ppn inherits digitization), own
 * recipients under contacts.roles. */
static void test_roles_ppn_visio(void **state)
{
	struct config *cfg = load_valid("site = { name = \"T\"; code = \"TJ-T\"; contacts = { arsit = [ \"a@example.org\" ];\n"
		" roles = { visioconference = [ \"visio@example.org\" ]; }; }; };\n" L_PATHS DEVICES
		RACK_WITH("\"probe1\"", "\"clim1\"", "{ name = \"s1\"; role = \"ppn\"; }, { name = \"s2\"; role = \"visioconference\"; }")
		"specs = { digitization = { temperature = { warn_above = 25; }; }; };\n");
	const struct cfg_threshold *t;

	assert_int_equal(conf_server(cfg, "s1")->role, ROLE_PPN);
	assert_string_equal(conf_server(cfg, "s1")->spec->name, "ppn");
	t = conf_server(cfg, "s1")->spec->crit;
	assert_true(t[CRIT_TEMPERATURE].warn_hi == 25.0);   /* from digitization */
	assert_string_equal(conf_server(cfg, "s2")->spec->name, "visioconference");
	t = conf_server(cfg, "s2")->spec->crit;
	assert_true(t[CRIT_TEMPERATURE].crit_hi == 30.0);
	assert_true(t[CRIT_TEMPERATURE].warn_lo == 15.0);
	assert_int_equal(cfg->site.contacts.n_role[ROLE_VISIOCONFERENCE], 1);
	assert_string_equal(cfg->site.contacts.role[ROLE_VISIOCONFERENCE][0], "visio@example.org");
	assert_int_equal(cfg->site.contacts.n_role[ROLE_PPN], 0);
	conf_free(cfg);
}

/* Clear-text mail is accepted for a loopback address or the literal "localhost". */
static void test_loopback_mail_servers(void **state)
{
	static const char *const hosts[] = { "localhost", "127.0.0.1", "127.12.34.56", "::1", "::ffff:127.0.0.1" };

	for (size_t i = 0; i < ARRAY_SIZE(hosts); i++) {
		char *conf = xasprintf(VALID "mail = { server = \"%s\"; tls = \"none\"; from = \"e@example.org\"; };\n",
			hosts[i]);
		char *dir = make_site(conf, NULL);
		char *file = xasprintf("%s/envmond.conf", dir);
		struct cfgparse p;
		struct config *cfg;

		cfgparse_init(&p);
		cfg = conf_load(&p, file);
		if (!cfg)
			print_error("server \"%s\" refused:\n", hosts[i]);
		cfgparse_print(&p, stderr);
		assert_non_null(cfg);
		conf_free(cfg);
		cfgparse_fini(&p);
		free(file);
		free(dir);
		free(conf);
	}
}

/* One run lists every error, not just the first. */
static void test_every_error_reported(void **state)
{
	char *dir = make_site(L_SITE L_PATHS
		DEVICES_WITH(", { name = \"d\"; profile = \"nope\"; snmp = { host = \"h\"; port = 70000; }; }\n")
		RACK_WITH("\"probe1\"", "\"clim1\"", "{ name = \"s1\"; role = \"boss\"; }")
		"storage = { step = 2; };\n", NULL);
	char *file = xasprintf("%s/envmond.conf", dir);
	struct cfgparse p;

	cfgparse_init(&p);
	assert_null(conf_load(&p, file));
	assert_true(has_error(&p, "envmond.conf:7:", "'port' = 70000 is out of range"));
	assert_true(has_error(&p, "envmond.conf:7:", "unknown profile \"nope\""));
	assert_true(has_error(&p, "envmond.conf:9:", "'role' = \"boss\""));
	assert_true(has_error(&p, "envmond.conf:10:", "'step' = 2"));
	assert_int_equal(p.n_errors, 4);
	cfgparse_fini(&p);
	free(file);
	free(dir);
}

static void test_state_maps(void **state)
{
	char *dir = make_site(VALID, NULL);
	char *file = xasprintf("%s/envmond.conf", dir);
	struct cfgparse p;
	struct config *cfg;
	const struct profile_metric *m;

	cfgparse_init(&p);
	cfg = conf_load(&p, file);
	assert_non_null(cfg);
	m = &conf_device(cfg, "ups1")->profile->metrics[0];
	assert_string_equal(m->name, "ups_source");
	assert_int_equal(m->n_states, 2);
	assert_int_equal(m->states[1].raw, 5);
	assert_string_equal(m->state_names[m->states[1].code], "on_battery");
	m = &conf_device(cfg, "ups1")->profile->metrics[1];
	assert_int_equal(m->n_invalid, 2);
	assert_int_equal(m->invalid[1], -1);
	assert_true(m->scale == 60.0);
	m = &conf_device(cfg, "clim1")->profile->metrics[1];
	assert_int_equal(m->type, VT_INT32);
	assert_int_equal(m->convert, CONVERT_F_TO_C);
	assert_int_equal(profile_metric_width(m), 2);
	conf_free(cfg);
	cfgparse_fini(&p);
	free(file);
	free(dir);
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = xcalloc(1, 1 << 16);

	assert_non_null(f);
	assert_true(fread(text, 1, (1 << 16) - 1, f) > 0);
	fclose(f);
	return text;
}

/* text with its first `from` replaced by `to` (which must be there). */
static char *replace_once(char *text, const char *from, const char *to)
{
	char *at = strstr(text, from);
	char *out;

	assert_non_null(at);
	out = xasprintf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	free(text);
	return out;
}

/* The shipped example loads once its "example = true;" is removed (and, from the source
 * tree, its profiles directory named); it teaches secrets in files of their own (its
 * commented lines, checked uncommented by envmond_check_examples.sh), never inline. */
static void test_shipped_example(void **state)
{
	char *text = read_text(TOP_SRCDIR "/etc/envmond.conf");
	char *dir;

	text = replace_once(text, "\nexample = true;", "\n");
	text = replace_once(text, "#profiles_dir = \"/usr/share/envmond/profiles\";", "profiles_dir = \"profiles\";");
	dir = make_site(text, NULL);
	char *file = xasprintf("%s/envmond.conf", dir);
	char *profiles = xasprintf("%s/profiles", dir);
	char *cmd = xasprintf("rm -rf '%s' && ln -s '%s/etc/profiles' '%s'", profiles, TOP_SRCDIR, profiles);
	struct cfgparse p;
	struct config *cfg;

	assert_int_equal(system(cmd), 0);
	cfgparse_init(&p);
	cfg = conf_load(&p, file);
	cfgparse_print(&p, stderr);
	assert_non_null(cfg);
	assert_true(cfg->n_profiles >= 3);
	assert_true(cfg->mail.enabled);
	assert_string_equal(cfg->site.code, "TJ-EXV");
	assert_null(cfg->mail.password);
	assert_null(strstr(text, "password ="));
	assert_null(strstr(text, "auth_pass ="));
	assert_null(strstr(text, "priv_pass ="));
	assert_non_null(strstr(text, "#password_file = "));
	assert_non_null(strstr(text, "auth_pass_file = "));
	conf_free(cfg);
	cfgparse_fini(&p);
	free(cmd);
	free(profiles);
	free(file);
	free(dir);
	free(text);
}

static int setup(void **state)
{
	tmpdir = xstrdup("/tmp/envmond-test-config-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int rc = system(cmd);

	free(cmd);
	free(tmpdir);
	return rc;
}

int main(void)
{
	size_t n = ARRAY_SIZE(cases);
	struct CMUnitTest *tests = xcalloc(n + 9, sizeof(*tests));
	int rc;

	tests[0] = (struct CMUnitTest)cmocka_unit_test(test_valid_minimal);
	tests[1] = (struct CMUnitTest)cmocka_unit_test(test_spec_inheritance);
	tests[2] = (struct CMUnitTest)cmocka_unit_test(test_every_error_reported);
	tests[3] = (struct CMUnitTest)cmocka_unit_test(test_state_maps);
	tests[4] = (struct CMUnitTest)cmocka_unit_test(test_shipped_example);
	tests[5] = (struct CMUnitTest)cmocka_unit_test(test_loopback_mail_servers);
	tests[6] = (struct CMUnitTest)cmocka_unit_test(test_unreadable_secret_one_error);
	tests[7] = (struct CMUnitTest)cmocka_unit_test(test_secret_file_owner);
	tests[8] = (struct CMUnitTest)cmocka_unit_test(test_roles_ppn_visio);
	for (size_t i = 0; i < n; i++)
		tests[9 + i] = (struct CMUnitTest){ cases[i].name, test_bad_case, NULL, NULL, (void *)&cases[i] };
	rc = _cmocka_run_group_tests("config", tests, n + 9, setup, teardown);
	free(tests);
	return rc;
}
