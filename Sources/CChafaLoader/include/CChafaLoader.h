#ifndef CCHAFA_LOADER_H
#define CCHAFA_LOADER_H

// libchafa opened at run time, as CCurl opens libcurl.
//
// CChafaLoader.c defines the chafa (and glib) functions this program calls as forwarders to the
// library's own, looked up once with dlsym after `cchafa_load` opens libchafa.so.0. The release
// build then drops the load-time dependency (scripts/drop-needed), so a process that draws no
// picture (`generate`, `history`, every CLI run but `preview`) does not load, relocate and
// initialise libchafa, glib and pcre2 (about 1 MB of resident memory; docs/PERFORMANCE.md,
// "Memory of a CLI run"). The forwarders are hidden, so chafa's calls among its own functions never
// come back through them.
//
// Call `cchafa_load` before any chafa function and do not call one if it failed: a forwarder
// reached first loads the library itself and ends the process with the failure's text if it cannot.

#ifdef __cplusplus
extern "C" {
#endif

/// Opens libchafa.so.0 and resolves every function the forwarders need, once per process (later
/// calls return the first outcome). Returns NULL on success, or what failed (dlopen's or dlsym's
/// message), a string that lives as long as the process.
const char *cchafa_load(void);

#ifdef __cplusplus
}
#endif

#endif
