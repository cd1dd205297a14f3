// The FUNCTION family, as far as Cairn has it: no function libraries exist yet (scripting is a
// later family), so FLUSH has nothing to delete and answers as Redis does on an empty library set.
#include "commands/command_table.h"
#include "commands/context.h"
#include "commands/errors.h"

namespace cairn::commands {
namespace {

// FUNCTION FLUSH [ASYNC|SYNC]. Redis logs it as a write; with no libraries there is no state to
// change or replicate, so it does not enter the log.
void FunctionFlush(Context& ctx) {
  if (ctx.argc() > 3) return ctx.reply.Error(err::SubcommandSyntax(ctx.arg(1), "function"));
  if (ctx.argc() == 3 && !EqualsIgnoreCase(ctx.arg(2), "sync") &&
      !EqualsIgnoreCase(ctx.arg(2), "async")) {
    return ctx.reply.Error(err::kFunctionFlushMode);
  }
  ctx.reply.Ok();
}

void FunctionHelp(Context& ctx) {
  static constexpr std::string_view kLines[] = {
      "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "FLUSH [ASYNC|SYNC]",
      "    Delete all the libraries.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the libraries.",
      "    * SYNC: Synchronously flush the libraries.",
      "HELP",
      "    Print this help."};
  ctx.reply.SimpleArray(kLines);
}

void ContainerArity(Context& ctx) { ctx.reply.Error(err::WrongArity(ctx.spec.name)); }

constexpr CommandSpec kFunctionSubcommands[] = {
    {"function|flush", -2, kNoScript, 0, 0, 0, FunctionFlush, nullptr, "scripting", "Deletes all libraries and functions.", "7.0.0", "O(N)"},
    {"function|help", 2, kLoading | kStale, 0, 0, 0, FunctionHelp, nullptr, "scripting", "Returns helpful text about the different subcommands.", "7.0.0"},
};

constexpr CommandSpec kFunctionCommands[] = {
    {"function", -2, 0, 0, 0, 0, ContainerArity, nullptr, "scripting", "A container for function commands.", "7.0.0", "Depends on subcommand.", kFunctionSubcommands},
};

}  // namespace

std::span<const CommandSpec> FunctionCommands() { return kFunctionCommands; }

}  // namespace cairn::commands
