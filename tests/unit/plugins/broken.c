/* SPDX-License-Identifier: MIT */
/* Deliberately broken (and one good) transport plugins for the loader's refusal tests; -DBROKEN_* picks the defect. */
#include "config.h"
#include <mailroom/plugin.h>

static int t_init(const struct mr_plugin_ctx *ctx, void **state_r, struct mr_error *err)
{
	*state_r = NULL;
	return 0;
}

static void t_deinit(void *state)
{
}

#if !defined(BROKEN_MUST_SLOT)
static int t_send(void *state, struct mr_outmsg *msgs, size_t n,
		  const struct mr_send_hooks *hooks, struct mr_error *err)
{
	return 0;
}
#endif

static const struct mr_transport_ops t_ops = {
#if defined(BROKEN_OPS_SIZE)
	.size = 8,
#else
	.size = sizeof(struct mr_transport_ops),
#endif
	.init = t_init,
	.deinit = t_deinit,
#if !defined(BROKEN_MUST_SLOT)
	.send = t_send,
#endif
};

/* One key: BROKEN_KEY_OFFSET stores it past the end of struct t_conf. */
struct t_conf {
	const char *host;
};

static const struct mr_key t_keys[] = {
#if defined(BROKEN_KEY_OFFSET)
	{ .name = "host", .type = MR_KEY_STRING, .help = "a server", .offset = 64,
	  .size = sizeof(const char *), .ctype = MR_CTYPE_STR },
#else
	{ .name = "host", .type = MR_KEY_STRING, .help = "a server",
	  MR_KEY_FIELD(struct t_conf, host) },
#endif
	{ 0 }
};

#if !defined(BROKEN_NO_SYMBOL)
MR_EXPORT extern const struct mr_plugin_desc mr_plugin_descriptor;
const struct mr_plugin_desc mr_plugin_descriptor = {
#if defined(BROKEN_MAGIC)
	.magic = 0xdeadbeefu,
#else
	.magic = MR_PLUGIN_MAGIC,
#endif
#if defined(BROKEN_ABI_MAJOR)
	.abi_major = MR_ABI_MAJOR + 1,
#else
	.abi_major = MR_ABI_MAJOR,
#endif
	.abi_minor = MR_ABI_MINOR,
	.size = sizeof(struct mr_plugin_desc),
	.kind = MR_KIND_TRANSPORT,
	.name = PLUGIN_NAME,
	.version = "1.0",
	.description = "a loader test plugin",
	.keys = t_keys,
#if defined(BROKEN_KEY_SIZE)
	.key_size = sizeof(struct mr_key) / 2,
#else
	.key_size = sizeof(struct mr_key),
#endif
	.conf_size = sizeof(struct t_conf),
	.ops = &t_ops,
};
#else
/* exports something, but not a descriptor */
MR_EXPORT extern const void *const some_other_symbol[];
const void *const some_other_symbol[] = { &t_ops, t_keys };
#endif
