/* mailsvc.h — the daemon's mail service: the spool (always: notifications are kept
 * even without a mail server) and the mailer thread (when a server is configured),
 * their reload, the test-mail commands and the spool section of envmonctl status. */
#ifndef MAILSVC_H
#define MAILSVC_H

#include "mailer.h"
#include "msgcat.h"
#include "spool.h"

struct config;
struct confdiff;
struct control;

struct mailsvc {
	struct config *const *cfg;     /* the running configuration (a reload replaces it) */
	struct msgcat *cat;            /* the catalogue of cfg's mail.lang */
	struct spool *spool;           /* NULL until mailsvc_start */
	struct mailer *mailer;         /* NULL without a mail server */
};

/* Opens the spool and starts the mailer, as the daemon's user. Set svc->cfg first.
 * 0, or -1 (logged) if the spool cannot be opened or a configured mailer cannot start. */
int mailsvc_start(struct mailsvc *svc);
/* Joins the mailer (a message in flight is sent or stays in new/) and closes the spool. */
void mailsvc_stop(struct mailsvc *svc);
/* The reload participant (reload.h); arg is the mailsvc. */
void mailsvc_participant(void *arg, const struct config *old_cfg, const struct config *new_cfg,
	const struct confdiff *d);
/* Adds test-mail, test-mail-result and the "spool" status section to ctl. */
void mailsvc_attach(struct mailsvc *svc, struct control *ctl);

/* envmond --test-mail: one message through the spool and the same SMTP code as the
 * mailer, on this thread; the server's answer printed. config_file names the file in
 * messages. Returns the exit status (ENVMON_EX_OK if the server took it). */
int mailsvc_test_mail(struct mailsvc *svc, const char *config_file);

#endif
