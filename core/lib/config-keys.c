/* SPDX-License-Identifier: MIT */
/* The keys the core itself accepts in [mailroom] and in every store, transport, account and job section. */
#include "config.h"
#include "mr.h"

const struct mr_key mr_keys_mailroom[] = {
	{ "site", MR_KEY_STRING, "default", "name of this site, used in logs and lock names" },
	{ "plugin_dir", MR_KEY_PATH, PLUGINDIR,
	  "directory of the installed plugins, searched last (not at all when "
	  "MAILROOM_PLUGIN_PATH_ONLY=1)" },
	{ "plugin_path", MR_KEY_LIST, NULL,
	  "colon- or comma-separated directories searched for plugins first, then those of "
	  "MAILROOM_PLUGIN_PATH, then plugin_dir; the first directory that has KIND-NAME.so wins, "
	  "so a site may override a packaged plugin" },
	{ "store", MR_KEY_STRING, "sqlite", "the store: the NAME of a [store-NAME] section or plugin" },
	{ "transport", MR_KEY_STRING, "mail",
	  "the outbound transport: the NAME of a [transport-NAME] section or plugin" },
	{ "from", MR_KEY_EMAIL, NULL, "the From address of mail the site sends (required to send)" },
	{ "from_name", MR_KEY_STRING, NULL, "the display name of the From address" },
	{ "reply_to", MR_KEY_EMAIL, NULL, "the Reply-To address, if any" },
	{ "domain", MR_KEY_STRING, NULL,
	  "the site's mail domain for Message-IDs (default: the domain of from)" },
	{ "secret", MR_KEY_SECRET, NULL,
	  "site secret for VERP hashes: secret_file = a file only its owner can read" },
	{ "log", MR_KEY_ENUM, "stderr", "where log lines go", 0, "stderr|syslog" },
	{ "log_level", MR_KEY_ENUM, "notice", "least important level logged", 0,
	  "error|warning|notice|info|debug" },
	{ "lock_dir", MR_KEY_PATH, "/tmp", "directory of the job lock files" },
	{ "require_user", MR_KEY_BOOL, "no",
	  "jobs run only for a mailroom user given with --user and a password (mailroom user add)" },
	{ "sending_ip", MR_KEY_STRING, NULL,
	  "public IP address mail leaves from, checked by mailroom doctor (default: the address "
	  "the transport connects from)" },
	{ "helo_name", MR_KEY_STRING, NULL,
	  "name the sending server gives in HELO, checked against reverse DNS (default: the "
	  "transport's helo_name, else this host's name)" },
	{ "resolver", MR_KEY_STRING, NULL,
	  "DNS server for mailroom doctor and inspect as IPv4:PORT (default: the system resolver)" },
	{ "dnsbl_zones", MR_KEY_LIST, "zen.spamhaus.org,bl.spamcop.net,b.barracudacentral.org",
	  "DNS blocklists mailroom doctor looks the sending IP up in" },
	{ "unsubscribe_url", MR_KEY_STRING, NULL,
	  "List-Unsubscribe URL of mass mailings (https: for RFC 8058 one-click, or mailto:)" },
	{ 0 }
};

/* [dkim]: how outgoing mail is signed (and what mailroom doctor checks). */
const struct mr_key mr_keys_dkim[] = {
	{ "selector", MR_KEY_STRING, NULL, "DKIM selector: the key is SELECTOR._domainkey.DOMAIN" },
	{ "domain", MR_KEY_STRING, NULL, "signing domain d= (default: the domain of from)" },
	{ "key_file", MR_KEY_PATH, NULL, "PEM private key, readable by its owner only" },
	{ "algorithm", MR_KEY_ENUM, "rsa-sha256", "signature algorithm", 0,
	  "rsa-sha256|ed25519-sha256" },
	{ 0 }
};

/* [bounce]: how bounces are classified and VERP addresses are written. */
const struct mr_key mr_keys_bounce[] = {
	{ "rules_file", MR_KEY_PATH, NULL,
	  "bounce rules (reason patterns, status codes, bounce types, hold thresholds); default: "
	  "the installed bounce-rules.conf" },
	{ "verp_separator", MR_KEY_STRING, ".",
	  "character between the fields of a VERP local part: return+b.JOB.QUEUE.HASH@domain" },
	{ 0 }
};

const struct mr_key mr_keys_store[] = {
	{ "plugin", MR_KEY_STRING, NULL, "store plugin name (default: the section's NAME)" },
	{ 0 }
};

const struct mr_key mr_keys_transport[] = {
	{ "plugin", MR_KEY_STRING, NULL, "transport plugin name (default: the section's NAME)" },
	{ 0 }
};

const struct mr_key mr_keys_account[] = {
	{ "fetch", MR_KEY_STRING, NULL, "fetch plugin: imap, pop3, maildir or localdir",
	  MR_KEYF_REQUIRED },
	{ "used_for", MR_KEY_ENUM, NULL, "what the mail is for", MR_KEYF_REQUIRED,
	  "bounce|activity" },
	{ "batch", MR_KEY_INT, "1000", "messages handled per run at most", 0, NULL, 1, 10000000 },
	{ "localpart", MR_KEY_STRING, NULL, "local part for sub-addressing, e.g. return+" },
	{ "domain", MR_KEY_STRING, NULL, "mail domain of the account's address" },
	{ "return_path", MR_KEY_EMAIL, NULL, "address bounces are sent to, if not localpart@domain" },
	/* used_for = activity (job-fetch-activities) */
	{ "activity_source", MR_KEY_LIST, "From",
	  "activity accounts: address fields (From, To, Cc, Bcc) whose contacts are the source" },
	{ "activity_targets", MR_KEY_LIST, "To,Cc,Bcc",
	  "activity accounts: address fields whose contacts are the targets" },
	{ "activity_assignees", MR_KEY_LIST, "none",
	  "activity accounts: address fields whose contacts are the assignees" },
	{ "create_contacts", MR_KEY_BOOL, "yes",
	  "activity accounts: create an Individual for an address no Individual has (no: skip it)" },
	{ "activity_type", MR_KEY_STRING, "Email", "activity accounts: type of the filed activities" },
	{ "activity_status", MR_KEY_STRING, "Completed",
	  "activity accounts: status of the filed activities" },
	{ "max_attachments", MR_KEY_INT, "20",
	  "activity accounts: attachments kept per message (0: no limit); the rest are recorded "
	  "as skipped", 0, NULL, 0, 10000 },
	{ "max_attachment_size", MR_KEY_INT, "10485760",
	  "activity accounts: bytes of one decoded attachment at most (0: no limit); a larger one "
	  "is recorded as skipped", 0, NULL, 0, 2147483647LL },
	{ 0 }
};

const struct mr_key mr_keys_job[] = {
	{ "plugin", MR_KEY_STRING, NULL, "job plugin name (default: the section's NAME)" },
	{ "enabled", MR_KEY_BOOL, "yes", "whether mailroom cron runs the job" },
	{ "frequency", MR_KEY_ENUM, "always", "how often the job is due", 0,
	  "always|hourly|daily|weekly|monthly|quarterly|yearly" },
	{ "run_at", MR_KEY_STRING, NULL, "a one-off run at this time (YYYY-MM-DD HH:MM)" },
	{ "max_runtime", MR_KEY_DURATION, "15m", "deadline of one run" },
	{ "lock_group", MR_KEY_STRING, NULL,
	  "jobs of one lock group never run at the same time (default: the plugin's)" },
	{ "max_workers", MR_KEY_INT, "1", "parallel runs allowed (numbered worker locks)", 0, NULL,
	  1, 64 },
	{ 0 }
};
