/*
 * driver.h - the nostos command line: build, run, bench, and --emit stages.
 */
#ifndef NOSTOS_DRIVER_H
#define NOSTOS_DRIVER_H

int driver_main(int argc, char **argv);

#endif
