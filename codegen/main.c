/* main.c - the nostos binary: a thin wrapper over the compiler library. */
#include "driver.h"

int main(int argc, char **argv) { return driver_main(argc, argv); }
