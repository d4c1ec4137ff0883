/* --device vicc: vsmartcard's Python card (vicc --type iso7816, Debian package
 * vsmartcard-vpicc) as the device under test, in a private pcscd (emulator/sdemu/emu_sandbox.h).
 *
 * sdconform starts the sandbox and vicc (with a card image: vicc's iso7816 card has an empty
 * MF), waits for the card, then runs itself again with --device pcsc:<the sandbox's reader>,
 * --card <vectors/conformance/cards/vicc-iso7816.yaml> unless the arguments give a --card, and
 * the other arguments unchanged; it restarts vicc whenever it crashes (holding the run
 * meanwhile) and tears everything down when that run ends. vicc is nobody's reference card:
 * its deviations from the expected behaviour show up as failures with their reasons
 * (docs/conformance.md, "vsmartcard's card"). */
#ifndef SDC_VICC_H
#define SDC_VICC_H

/* Environment variable with a description of the device, shown in the report next to the spec
 * (set for the inner run). */
#define SDC_DEVICE_NOTE_ENV "SDCONFORM_DEVICE_NOTE"

/* Runs `argv` (argv[0] is sdconform itself; every --device option has been removed) against
 * vicc and returns the exit status for main: the inner run's, or 2 when vicc, pcscd or the
 * vpcd driver is missing or the card did not appear. `log_dir` (may be "") receives vicc.log.
 * Handles SIGUSR1 (vicc's announcement of its death) while it runs. */
int sdc_vicc_run(char **argv, int argc, const char *log_dir);

#endif
