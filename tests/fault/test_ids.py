"""Fault case: the journal and the snapshot moved aside (an operator's clean-up, a lost
disk) while spool/sent/ keeps the names of the messages already sent for 7 days. The
next incident must get an id that no spool name carries: otherwise its alert is taken
for one "already queued or sent" and never mailed (issue 13 item 4)."""

from faultlib import Daemon, Site, SIM, received_notices, wait_until
from peerlib import SmtpCatcher, free_port


def hot_site(tmp_path, port):
    site = Site(tmp_path / 'site')
    hot = site.scenario('hot.scn', 'temperature = 35\nhumidity = 40\n')
    site.write_config([SIM % ('sonde-hot', 'sim-probe', 2, hot)],
                      ['{ name = "baie-A"; probes = [ "sonde-hot" ]; '
                       'servers = ( { name = "srv-a"; role = "comci"; } ); }'], mail_port=port)
    return site


def test_ids_not_reused_after_journal_moved_aside(tmp_path, figures):
    port = free_port()
    catcher = SmtpCatcher(tmp_path / 'smtp', port).start()
    site = hot_site(tmp_path, port)
    try:
        d = Daemon(site).start()
        wait_until(lambda: received_notices(catcher.messages()) and not site.spool('new'), 20,
                   'a first alert mailed')
        rc, log = d.stop()
        assert rc == 0, log
        first = {i for i, _, _ in received_notices(catcher.messages())}
        for name in ('journal.jsonl', 'alert-state.json'):
            p = site.state / name
            if p.exists():
                p.rename(site.state / (name + '.moved'))
        figures['faults'] = 1
        d = Daemon(site).start()
        try:
            wait_until(lambda: len(received_notices(catcher.messages())) >= 2 or
                       'not queued again' in d.log(), 25, 'the second incident mailed')
        finally:
            rc, log = d.stop()
    finally:
        catcher.stop()
    got = [i for i, _, _ in received_notices(catcher.messages())]
    figures['mails_expected'] = 2
    figures['mails_delivered'] = len(set(got))
    figures['mails_lost'] = 2 - len(set(got))
    assert 'not queued again' not in log, log[-2000:]
    assert len(set(got)) == 2 and set(got) - first, got
    site.remove()
