"""Hostile text (issue 13 item 6): a silence reason sent over the control socket with a
newline that forges a whole log line and terminal escape sequences. The daemon's log
keeps it on one line, escaped; `envmonctl status` prints no control character."""

import re

from faultlib import Daemon, Site, SIM

FORGED = 'ok\nenvmond: error: forged line\x1b[2J\x1b]0;owned\x07 \u009b6n'


def test_control_text_escaped_in_log_and_terminal(tmp_path, figures):
    site = Site(tmp_path / 'site')
    cool = site.scenario('cool.scn', 'temperature = 22\nhumidity = 40\n')
    site.write_config([SIM % ('sonde-a', 'sim-probe', 2, cool)],
                      ['{ name = "baie-A"; probes = [ "sonde-a" ]; '
                       'servers = ( { name = "srv-a"; role = "comci"; } ); }'])
    d = Daemon(site).start()
    try:
        r = d.ctl('silence', 'sonde-a', '2h', FORGED)
        assert r.returncode == 0, r.stderr
        figures['faults'] = 1
        st = d.ctl('status')
        assert st.returncode == 0, st.stderr
    finally:
        rc, log = d.stop()
    assert rc == 0, log[-2000:]
    assert not [line for line in log.splitlines() if line.startswith('envmond: error: forged')], log
    said = [line for line in log.splitlines() if 'silenced until' in line]
    assert said and 'ok\\nenvmond: error: forged line\\x1b[2J' in said[0], said
    bad = re.findall(r'[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]', st.stdout)
    assert not bad, repr(st.stdout)
    assert 'forged line\\x1b' in st.stdout, st.stdout
    site.remove()


def test_priority_prefixes_under_systemd(tmp_path, figures):
    """Issue 13 item 10: with stderr the journal (JOURNAL_STREAM = its device:inode, as
    systemd sets it), every line starts with "<N>", the syslog priority."""
    site = Site(tmp_path / 'site')
    cool = site.scenario('cool.scn', 'temperature = 22\nhumidity = 40\n')
    site.write_config([SIM % ('sonde-a', 'sim-probe', 2, cool)],
                      ['{ name = "baie-A"; probes = [ "sonde-a" ]; '
                       'servers = ( { name = "srv-a"; role = "comci"; } ); }'])
    d = Daemon(site)
    d.err_path.write_text('')
    st = d.err_path.stat()
    d.env['JOURNAL_STREAM'] = '%d:%d' % (st.st_dev, st.st_ino)
    d.start()
    d.ctl('silence', 'nowhere', '2h', 'x')          # refused: a warning or an error line
    rc, log = d.stop()
    assert rc == 0, log[-2000:]
    lines = [line for line in log.splitlines() if not line.startswith('===')]
    assert lines and all(re.match(r'<[0-7]>envmond: ', line) for line in lines), lines
    assert [line for line in lines if line.startswith('<5>envmond: notice: envmond ')], lines
    site.remove()
