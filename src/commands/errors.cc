// Error texts that carry the offending command or argument.
#include "commands/errors.h"

#include <algorithm>
#include <cctype>

namespace cairn::commands::err {
namespace {
std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}
std::string Upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}
}  // namespace

std::string UnknownCommand(std::string_view name, const std::vector<std::string>& argv) {
  // Redis shows at most 128 characters of the name and of the arguments that follow.
  std::string out = "ERR unknown command '" + std::string(name.substr(0, 128)) +
                    "', with args beginning with: ";
  size_t budget = 128;
  for (size_t i = 1; i < argv.size() && budget > 0; ++i) {
    std::string_view a = argv[i];
    if (a.size() > budget) a = a.substr(0, budget);
    budget -= a.size();
    // append, not "'" + std::string(a): g++ 12 reports a false -Wrestrict on the latter at -O2+.
    out.append("'").append(a).append("' ");
  }
  return out;
}

std::string WrongArity(std::string_view full_name) {
  return "ERR wrong number of arguments for '" + Lower(full_name) + "' command";
}

std::string UnknownSubcommand(std::string_view sub, std::string_view container) {
  return "ERR unknown subcommand '" + std::string(sub.substr(0, 128)) + "'. Try " +
         Upper(container) + " HELP.";
}

std::string SubcommandSyntax(std::string_view sub, std::string_view container) {
  return "ERR unknown subcommand or wrong number of arguments for '" +
         std::string(sub.substr(0, 128)) + "'. Try " + Upper(container) + " HELP.";
}

std::string InvalidExpire(std::string_view command) {
  return "ERR invalid expire time in '" + Lower(command) + "' command";
}

std::string OutOfRange(int64_t min, int64_t max) {
  return "ERR value is out of range, must be between " + std::to_string(min) + " and " +
         std::to_string(max);
}

std::string AtLeastOneInputKey(std::string_view command) {
  return "ERR at least 1 input key is needed for '" + std::string(command) + "' command";
}

}  // namespace cairn::commands::err
