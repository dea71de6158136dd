/* SPDX-License-Identifier: MIT */
/* The keys the core itself accepts in [mailroom] and in every store, transport, account and job section. */
#include "config.h"
#include "mr.h"

const struct mr_key mr_keys_mailroom[] = {
	{ .name = "site", .type = MR_KEY_STRING, .def = "default",
	  .help = "name of this site, used in logs and lock names" },
	{ .name = "plugin_dir", .type = MR_KEY_PATH, .def = PLUGINDIR,
	  .help = "directory of the installed plugins, searched last (not at all when "
		  "MAILROOM_PLUGIN_PATH_ONLY=1)" },
	{ .name = "plugin_path", .type = MR_KEY_LIST,
	  .help = "colon- or comma-separated directories searched for plugins first, then those of "
		  "MAILROOM_PLUGIN_PATH, then plugin_dir; the first directory that has KIND-NAME.so "
		  "wins, so a site may override a packaged plugin" },
	{ .name = "store", .type = MR_KEY_STRING, .def = "sqlite",
	  .help = "the store: the NAME of a [store-NAME] section or plugin" },
	{ .name = "transport", .type = MR_KEY_STRING, .def = "mail",
	  .help = "the outbound transport: the NAME of a [transport-NAME] section or plugin" },
	{ .name = "from", .type = MR_KEY_EMAIL,
	  .help = "the From address of mail the site sends (required to send): an address, or "
	  "\"Name <address>\", which also sets from_name" },
	{ .name = "from_name", .type = MR_KEY_STRING, .help = "the display name of the From address" },
	{ .name = "reply_to", .type = MR_KEY_EMAIL, .help = "the Reply-To address, if any" },
	{ .name = "domain", .type = MR_KEY_STRING,
	  .help = "the site's mail domain for Message-IDs (default: the domain of from)" },
	{ .name = "secret", .type = MR_KEY_SECRET,
	  .help = "site secret for VERP hashes: secret_file = a file only its owner can read" },
	{ .name = "log", .type = MR_KEY_ENUM, .def = "stderr", .choices = "stderr|syslog",
	  .help = "where log lines go" },
	{ .name = "log_level", .type = MR_KEY_ENUM, .def = "notice",
	  .choices = "error|warning|notice|info|debug", .help = "least important level logged" },
	{ .name = "lock_dir", .type = MR_KEY_PATH, .def = "/tmp",
	  .help = "directory of the job lock files" },
	{ .name = "locks", .type = MR_KEY_ENUM, .def = "auto", .choices = "auto|store|local",
	  .help = "where job locks, worker slots and lock groups live: store (shared by every "
	  "host of the store; needs a store with shared locks, such as mariadb), local (flock "
	  "in lock_dir, one host), auto (store when the store has them)" },
	{ .name = "lock_lease", .type = MR_KEY_DURATION, .def = "60s", .min = 3,
	  .help = "with locks in the store: how long a lock outlives a holder that stopped "
	  "renewing it (a dead process or host); renewed every third of it" },
	{ .name = "require_user", .type = MR_KEY_BOOL, .def = "no",
	  .help = "jobs run only for a mailroom user given with --user and a password (mailroom user "
	  "add)" },
	{ .name = "sending_ip", .type = MR_KEY_STRING,
	  .help = "public IP address mail leaves from, checked by mailroom doctor (default: the "
	  "address the transport connects from)" },
	{ .name = "helo_name", .type = MR_KEY_STRING,
	  .help = "name the sending server gives in HELO, checked against reverse DNS (default: the "
	  "transport's helo_name, else this host's name)" },
	{ .name = "resolver", .type = MR_KEY_STRING,
	  .help = "DNS server for mailroom doctor and inspect as IPv4:PORT or [IPv6]:PORT "
	  "(default: the system resolver)" },
	{ .name = "dnsbl_zones", .type = MR_KEY_LIST,
	  .def = "zen.spamhaus.org,bl.spamcop.net,b.barracudacentral.org",
	  .help = "DNS blocklists mailroom doctor looks the sending IP up in" },
	{ .name = "unsubscribe_url", .type = MR_KEY_STRING,
	  .help = "List-Unsubscribe URL of mass mailings (https: for RFC 8058 one-click, or mailto:)" },
	{ .name = "esp", .type = MR_KEY_ENUM, .def = "none", .choices = "none|sendgrid|postmark",
	  .help = "the ESP the transport relays through: mailings then carry our signed id in its "
	  "custom-argument header (sendgrid: X-SMTPAPI unique_args; postmark: "
	  "X-PM-Metadata-mailroom-id), which its webhooks give back" },
	{ .name = "postal_address", .type = MR_KEY_STRING,
	  .help = "the sender's postal address that mailings show with {domain.address} (one "
	  "line; many laws ask for it in bulk mail)" },
	{ 0 }
};

/* [dkim]: how outgoing mail is signed (and what mailroom doctor checks). */
const struct mr_key mr_keys_dkim[] = {
	{ .name = "selector", .type = MR_KEY_STRING,
	  .help = "DKIM selector: the key is SELECTOR._domainkey.DOMAIN" },
	{ .name = "domain", .type = MR_KEY_STRING,
	  .help = "signing domain d= (default: the domain of from)" },
	{ .name = "key_file", .type = MR_KEY_PATH,
	  .help = "PEM private key, readable by its owner only" },
	{ .name = "algorithm", .type = MR_KEY_ENUM, .def = "rsa-sha256",
	  .choices = "rsa-sha256|ed25519-sha256", .help = "signature algorithm" },
	{ 0 }
};

/* [bounce]: how bounces are classified and VERP addresses are written. */
const struct mr_key mr_keys_bounce[] = {
	{ .name = "rules_file", .type = MR_KEY_PATH,
	  .help = "bounce rules (reason patterns, status codes, bounce types, hold thresholds); "
	  "default: the installed bounce-rules.conf" },
	{ .name = "verp_separator", .type = MR_KEY_STRING, .def = ".",
	  .help = "character between the fields of a VERP local part: return+b.JOB.QUEUE.HASH@domain" },
	{ 0 }
};

const struct mr_key mr_keys_store[] = {
	{ .name = "plugin", .type = MR_KEY_STRING,
	  .help = "store plugin name (default: the section's NAME)" },
	{ 0 }
};

const struct mr_key mr_keys_transport[] = {
	{ .name = "plugin", .type = MR_KEY_STRING,
	  .help = "transport plugin name (default: the section's NAME)" },
	{ 0 }
};

const struct mr_key mr_keys_account[] = {
	{ .name = "fetch", .type = MR_KEY_STRING, .flags = MR_KEYF_REQUIRED,
	  .help = "fetch plugin: imap, pop3, maildir or localdir" },
	{ .name = "used_for", .type = MR_KEY_ENUM, .flags = MR_KEYF_REQUIRED,
	  .choices = "bounce|activity", .help = "what the mail is for" },
	{ .name = "batch", .type = MR_KEY_INT, .def = "1000", .min = 1, .max = 10000000,
	  .help = "messages handled per run at most" },
	{ .name = "localpart", .type = MR_KEY_STRING,
	  .help = "local part for sub-addressing, e.g. return+" },
	{ .name = "domain", .type = MR_KEY_STRING, .help = "mail domain of the account's address" },
	{ .name = "return_path", .type = MR_KEY_EMAIL,
	  .help = "address bounces are sent to, if not localpart@domain" },
	/* used_for = activity (job-fetch-activities) */
	{ .name = "activity_source", .type = MR_KEY_LIST, .def = "From",
	  .help = "activity accounts: address fields (From, To, Cc, Bcc) whose contacts are the source" },
	{ .name = "activity_targets", .type = MR_KEY_LIST, .def = "To,Cc,Bcc",
	  .help = "activity accounts: address fields whose contacts are the targets" },
	{ .name = "activity_assignees", .type = MR_KEY_LIST, .def = "none",
	  .help = "activity accounts: address fields whose contacts are the assignees" },
	{ .name = "create_contacts", .type = MR_KEY_BOOL, .def = "yes",
	  .help = "activity accounts: create an Individual for an address no Individual has (no: skip "
	  "it)" },
	{ .name = "activity_type", .type = MR_KEY_STRING, .def = "Email",
	  .help = "activity accounts: type of the filed activities" },
	{ .name = "activity_status", .type = MR_KEY_STRING, .def = "Completed",
	  .help = "activity accounts: status of the filed activities" },
	{ .name = "max_attachments", .type = MR_KEY_INT, .def = "20", .max = 10000,
	  .help = "activity accounts: attachments kept per message (0: no limit); the rest are "
	  "recorded as skipped" },
	{ .name = "max_attachment_size", .type = MR_KEY_INT, .def = "10485760", .max = 2147483647LL,
	  .help = "activity accounts: bytes of one decoded attachment at most (0: no limit); a larger "
	  "one is recorded as skipped" },
	{ .name = "max_new_contacts", .type = MR_KEY_INT, .def = "25", .max = 1000000,
	  .help = "activity accounts: contacts one message may create (0: no limit); its other new "
	  "addresses are left out and logged" },
	{ 0 }
};

const struct mr_key mr_keys_job[] = {
	{ .name = "plugin", .type = MR_KEY_STRING,
	  .help = "job plugin name (default: the section's NAME)" },
	{ .name = "enabled", .type = MR_KEY_BOOL, .def = "yes",
	  .help = "whether mailroom cron runs the job" },
	{ .name = "frequency", .type = MR_KEY_ENUM, .def = "always",
	  .choices = "always|hourly|daily|weekly|monthly|quarterly|yearly",
	  .help = "how often the job is due" },
	{ .name = "run_at", .type = MR_KEY_STRING,
	  .help = "a one-off run at this time (YYYY-MM-DD HH:MM)" },
	{ .name = "max_runtime", .type = MR_KEY_DURATION, .def = "15m", .help = "deadline of one run" },
	{ .name = "lock_group", .type = MR_KEY_STRING,
	  .help = "jobs of one lock group never run at the same time (default: the plugin's)" },
	{ .name = "max_workers", .type = MR_KEY_INT, .def = "1", .min = 1, .max = 64,
	  .help = "parallel runs allowed (numbered worker locks)" },
	{ 0 }
};

/* [oauth-NAME]: an OAuth 2.0 client whose tokens accounts and transports use
 * with auth = oauth2 and oauth = NAME (plugins/common/oauth.c reads them). */
const struct mr_key mr_keys_oauth[] = {
	{ .name = "provider", .type = MR_KEY_ENUM, .def = "custom",
	  .choices = "microsoft|google|custom",
	  .help = "microsoft or google fill token_url, device_url and scope; custom: give them" },
	{ .name = "tenant", .type = MR_KEY_STRING, .def = "organizations",
	  .help = "provider = microsoft: the Entra ID tenant (its id or domain) put in the URLs" },
	{ .name = "grant", .type = MR_KEY_ENUM, .def = "device", .choices = "device|client_credentials",
	  .help = "device: a person authorizes once with mailroom account authorize (RFC 8628); "
	  "client_credentials: app-only access with client_secret_file" },
	{ .name = "token_url", .type = MR_KEY_STRING,
	  .help = "the token endpoint (https://, or http:// to this machine; {tenant} is replaced)" },
	{ .name = "device_url", .type = MR_KEY_STRING,
	  .help = "the device authorization endpoint (RFC 8628)" },
	{ .name = "authorize_url", .type = MR_KEY_STRING,
	  .help = "the authorization endpoint of the browser flow, for reference (mailroom uses the "
	  "device flow)" },
	{ .name = "client_id", .type = MR_KEY_STRING, .flags = MR_KEYF_REQUIRED,
	  .help = "the application (client) id registered with the provider" },
	{ .name = "client_secret", .type = MR_KEY_SECRET,
	  .help = "the client secret, if the application has one: client_secret_file = a file only "
	  "its owner can read" },
	{ .name = "scope", .type = MR_KEY_STRING,
	  .help = "space-separated scopes asked for (default: the provider's mail scopes)" },
	{ .name = "token_file", .type = MR_KEY_PATH, .flags = MR_KEYF_REQUIRED,
	  .help = "where the refresh and access tokens are kept (written mode 0600; never in this "
	  "file)" },
	{ .name = "ca_file", .type = MR_KEY_PATH,
	  .help = "PEM file of the CAs to trust for the endpoints instead of the system's" },
	{ .name = "refresh_margin", .type = MR_KEY_DURATION, .def = "5m",
	  .help = "get a new access token when the one kept expires within this time" },
	{ .name = "timeout", .type = MR_KEY_DURATION, .def = "30s",
	  .help = "the longest one request to the endpoints may take" },
	{ 0 },
};

/* [mailing]: the site's defaults for new mailings. */
const struct mr_key mr_keys_mailing[] = {
	{ .name = "track_opens", .type = MR_KEY_BOOL, .def = "no",
	  .help = "new mailings carry an open pixel ([http] base_url/o; mailing create "
	  "--track-opens / --no-track-opens overrides)" },
	{ .name = "track_clicks", .type = MR_KEY_BOOL, .def = "no",
	  .help = "new mailings' HTML links go through signed click URLs ([http] base_url/c) "
	  "that redirect only to the mailing's own links" },
	{ .name = "list_id", .type = MR_KEY_STRING,
	  .help = "the List-Id (RFC 2919) of mailings without their own --list-id: "
	  "\"Description <label.example.org>\" or \"label.example.org\"" },
	{ .name = "precedence_bulk", .type = MR_KEY_BOOL, .def = "no",
	  .help = "mailings carry \"Precedence: bulk\" (mailing create --[no-]precedence-bulk "
	  "overrides)" },
	{ .name = "reply_to", .type = MR_KEY_ENUM, .def = "address", .choices = "address|verp",
	  .help = "Reply-To of mailings: address (the mailing's --reply-to, else [mailroom] "
	  "reply_to) or verp (each recipient's signed VERP reply address: replies are counted "
	  "and forwarded to that address by the bounce account)" },
	{ .name = "require_approval", .type = MR_KEY_BOOL, .def = "no",
	  .help = "a mailing is scheduled only after mailroom mailing approve ID --user NAME "
	  "(a user holding send-mail, with its password); an edit withdraws the approval" },
	{ 0 }
};

/* [optin]: double opt-in (contact subscribe, POST /subscribe of mailroom serve). */
const struct mr_key mr_keys_optin[] = {
	{ .name = "expire", .type = MR_KEY_DURATION, .def = "7d", .min = 60,
	  .help = "how long a subscription request waits for its confirmation: its link stops "
	  "working and the cleanup job removes it after this" },
	{ .name = "resend_after", .type = MR_KEY_DURATION, .def = "10m",
	  .help = "a request made again within this time sends no second confirmation mail (the "
	  "public form cannot flood an inbox)" },
	{ .name = "subject", .type = MR_KEY_STRING, .def = "Please confirm your subscription",
	  .help = "the Subject of the confirmation mail" },
	{ .name = "text", .type = MR_KEY_STRING,
	  .help = "the text of the confirmation mail, \\n for a line break; {url} (required), "
	  "{group}, {email} and {expires} are replaced (default: a short English text)" },
	{ .name = "web_groups", .type = MR_KEY_LIST,
	  .help = "the groups the public subscribe form of mailroom serve (GET and POST "
	  "BASE_URL/subscribe?group=NAME) may add people to (none: the form is off)" },
	{ 0 }
};

/* [http]: the web endpoint `mailroom serve` (one-click unsubscribe, pages). */
const struct mr_key mr_keys_http[] = {
	{ .name = "listen", .type = MR_KEY_LIST, .def = "127.0.0.1:8025",
	  .help = "addresses to listen on as ADDRESS:PORT ([IPv6]:PORT), several allowed; ignored "
	  "under systemd socket activation" },
	{ .name = "base_url", .type = MR_KEY_STRING,
	  .help = "public URL of mailroom serve (https://HOST[/PREFIX]): mailings link to "
	  "BASE_URL/u to unsubscribe (unless [mailroom] unsubscribe_url is set), BASE_URL/o "
	  "(open pixel) and BASE_URL/c (clicks)" },
	{ .name = "tls_cert_file", .type = MR_KEY_PATH,
	  .help = "PEM certificate chain for HTTPS (default: plain HTTP behind a reverse proxy)" },
	{ .name = "tls_key_file", .type = MR_KEY_PATH,
	  .help = "PEM private key of tls_cert_file, readable by its owner only" },
	{ .name = "threads", .type = MR_KEY_INT, .def = "4", .min = 1, .max = 256,
	  .help = "worker threads per listening address" },
	{ .name = "max_connections", .type = MR_KEY_INT, .def = "512", .min = 1, .max = 65536,
	  .help = "connections open at once per listening address" },
	{ .name = "timeout", .type = MR_KEY_DURATION, .def = "30s",
	  .help = "an idle connection is closed after this long" },
	{ .name = "max_body", .type = MR_KEY_INT, .def = "65536", .min = 64, .max = 67108864,
	  .help = "largest request body accepted, in bytes (larger: 413)" },
	{ .name = "rate_limit", .type = MR_KEY_INT, .def = "50", .max = 1000000,
	  .help = "requests per second one client address may make (bursts of twice that); "
	  "0: no limit" },
	{ .name = "trusted_proxies", .type = MR_KEY_LIST,
	  .help = "addresses of reverse proxies whose X-Forwarded-For names the client" },
	{ .name = "sns_topics", .type = MR_KEY_LIST,
	  .help = "Amazon SES through SNS: the TopicArns whose signed messages POST /webhook/ses "
	  "takes (none: the endpoint is off)" },
	{ .name = "sns_cert_file", .type = MR_KEY_PATH,
	  .help = "a pinned PEM certificate SNS signatures are checked with (default: the "
	  "SigningCertURL's, fetched over verified HTTPS from an sns.REGION.amazonaws.com host)" },
	{ .name = "api_tokens_file", .type = MR_KEY_PATH,
	  .help = "where mailroom token create keeps the SHA-256 hashes of the JSON API's bearer "
	  "tokens (mode 0600; none: /api/v1/ is off)" },
	{ .name = "mailgun_signing_key", .type = MR_KEY_SECRET,
	  .help = "Mailgun's HTTP webhook signing key for POST /webhook/mailgun: "
	  "mailgun_signing_key_file = a file only its owner can read (none: the endpoint is off)" },
	{ .name = "sendgrid_public_key_file", .type = MR_KEY_PATH,
	  .help = "the Event Webhook's verification key for POST /webhook/sendgrid (SendGrid's "
	  "base64 ECDSA public key, or PEM; none: the endpoint is off)" },
	{ .name = "postmark_credentials", .type = MR_KEY_SECRET,
	  .help = "USER:PASSWORD Postmark's webhook sends as HTTP basic auth to POST "
	  "/webhook/postmark: postmark_credentials_file = a file only its owner can read (none: "
	  "the endpoint is off)" },
	{ 0 }
};
