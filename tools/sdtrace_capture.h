/* `sdtrace capture pcsc:<reader> -o card.yaml`: walks what a card lets it read and writes an
 * sdemu profile of it (docs/trace.md, "Capture"). */
#ifndef SDTRACE_CAPTURE_H
#define SDTRACE_CAPTURE_H

/* The subcommand: argv after "capture". Returns 0 on success, 2 on error (message on stderr). */
int sdtrace_capture(int argc, char **argv);

#endif
