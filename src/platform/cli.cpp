// edgestudy-cli: the command-line front door (native, and WebAssembly under node).
#include "platform/cli_main.h"

#include <iostream>

int main(int argc, char** argv) { return es::cli::cli_main(argc, argv, std::cout, std::cerr); }
