#include "cli/cli.h"

int main(int argc, char** argv) { return frugal::cli::run(argc, argv); }
