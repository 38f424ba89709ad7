/* SPDX-License-Identifier: AGPL-3.0-or-later
 * mod_keygate: the directive table, built from the core's tables so httpd
 * and `keygate --config` files accept exactly the same settings.
 */
#include "gateway/httpd/binding.h"
#include "gateway/base/str.h"
#include "conf/directives.h"

#include <apr_strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <http_config.h>

/* "NAME: "VALUE" message", naming the offending argument when known. */
static const char *directive_error(apr_pool_t *pool, const char *name,
				   const char *err, int argc,
				   char *const argv[], int bad_arg)
{
	if (bad_arg >= 0 && bad_arg < argc)
		return kg_psprintf(
			pool, "%s: \"%s\" %s", name,
			kg_directive_shown(pool, name, argv[bad_arg]), err);
	return kg_psprintf(pool, "%s: %s", name, err);
}

/* Rewrites the directive's argument text in httpd's configuration tree
 * with secret values masked (kg_directive_shown), so no dump of it
 * (`apache2ctl -t -D DUMP_CONFIG`, mod_info's /server-info) shows them;
 * the setter has already read the real values. */
static void mask_args(cmd_parms *cmd, const char *name, int argc,
		      char *const argv[])
{
	const char *shown = "";
	bool changed = false;

	for (int i = 0; i < argc; i++) {
		const char *s = kg_directive_shown(cmd->pool, name, argv[i]);
		changed |= s != argv[i];
		shown = apr_pstrcat(cmd->pool, shown, i ? " \"" : "\"",
				    ap_escape_quotes(cmd->pool, s), "\"", NULL);
	}
	if (changed && cmd->directive)
		cmd->directive->args = shown;
}

/* A server-wide directive: forwards to the core setter. */
static const char *server_directive(cmd_parms *cmd, void *dir, int argc,
				    char *const argv[])
{
	const kg_directive *d = cmd->info;
	kg_httpd_server *srv = kg_httpd_server_get(cmd->server);
	const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_LOC_FILE);
	int bad_arg;

	if (err)
		return err;
	err = kg_directive_apply(d, cmd->pool, srv->conf, argc,
				 (const char *const *)argv, &bad_arg);
	if (err)
		return directive_error(cmd->pool, d->name, err, argc, argv,
				       bad_arg);
	mask_args(cmd, d->name, argc, argv);
	kg_conf_note(srv->conf, cmd->pool, d->name,
		     kg_psprintf(cmd->pool, "%s:%d", cmd->directive->filename,
				 cmd->directive->line_num));
	if (!srv->configured)
		srv->defined_in = kg_psprintf(cmd->pool, "%s:%d",
					      cmd->directive->filename,
					      cmd->directive->line_num);
	srv->configured = true;
	return NULL;
}

/* A per-location directive: forwards to the location setter. */
static const char *location_directive(cmd_parms *cmd, void *dir, int argc,
				      char *const argv[])
{
	const kg_loc_directive *d = cmd->info;
	int bad_arg = -1;
	const char *err;

	if (argc < d->min_args || (d->max_args >= 0 && argc > d->max_args))
		return kg_psprintf(cmd->pool, "%s takes %s", d->name,
				   d->syntax);
	err = d->set(cmd->pool, dir, argc, (const char *const *)argv, &bad_arg);
	return err ? directive_error(cmd->pool, d->name, err, argc, argv,
				     bad_arg)
		   : NULL;
}

static command_rec *commands;

/* Fills the table when the module is loaded. httpd reads a module's
 * command table as soon as LoadModule adds it, before any hook runs, so
 * the table must exist at load: this is the module's one constructor.
 * The table is as long as the core's lists (no cap); a failed
 * allocation stops the load loudly. */
__attribute__((constructor)) static void build_commands(void)
{
	size_t n = 0, total = 0;

	for (const kg_directive *const *d = kg_directive_all(); *d; d++)
		total++;
	for (const kg_loc_directive *l = kg_conf_location_directives; l->name;
	     l++)
		total++;
	commands = calloc(total + 1, sizeof(*commands));
	if (commands == NULL) {
		fputs("mod_keygate: out of memory for the command table\n",
		      stderr);
		abort();
	}
	for (const kg_directive *const *d = kg_directive_all(); *d; d++) {
		command_rec *c = &commands[n++];
		c->name = (*d)->name;
		c->AP_TAKE_ARGV = server_directive;
		c->cmd_data = (void *)*d;
		c->req_override = RSRC_CONF;
		c->args_how = TAKE_ARGV;
		c->errmsg = (*d)->help;
	}
	for (const kg_loc_directive *l = kg_conf_location_directives; l->name;
	     l++) {
		command_rec *c = &commands[n++];
		c->name = l->name;
		c->AP_TAKE_ARGV = location_directive;
		c->cmd_data = (void *)l;
		c->req_override = OR_AUTHCFG | ACCESS_CONF;
		c->args_how = TAKE_ARGV;
		c->errmsg = l->help;
	}
	keygate_module.cmds = commands;
}
