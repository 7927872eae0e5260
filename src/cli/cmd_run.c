/* dkata run: placeholder until the simulator lands (this session). */
#include "cli/cli.h"
#include "katas/kata.h"

int cmd_run(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("usage: dkata run KATA [options]");
    return kata_find_or_complain(argv[1]) ? EXIT_OKAY : EXIT_USAGE;
}
