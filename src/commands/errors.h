// The Redis error texts Cairn replies with, in one place, so every command says them the same
// way and a test can pin them. Each is the whole line without the leading '-'.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cairn::commands::err {

inline constexpr std::string_view kSyntax = "ERR syntax error";
inline constexpr std::string_view kNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kNoAuth = "NOAUTH Authentication required.";
inline constexpr std::string_view kWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";
inline constexpr std::string_view kAuthNoPassword =
    "ERR AUTH <password> called without any password configured for the default user. Are you "
    "sure your configuration is correct?";
inline constexpr std::string_view kDbIndexOutOfRange = "ERR DB index is out of range";
inline constexpr std::string_view kInvalidDbIndex = "ERR invalid DB index";
inline constexpr std::string_view kLoading = "LOADING Cairn is loading the dataset in memory";
inline constexpr std::string_view kNoSuchKey = "ERR no such key";
inline constexpr std::string_view kOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kMaxClients = "ERR max number of clients reached";
inline constexpr std::string_view kInvalidExpire = "ERR invalid expire time in '%s' command";

std::string UnknownCommand(std::string_view name, const std::vector<std::string>& argv);
std::string WrongArity(std::string_view full_name);
std::string UnknownSubcommand(std::string_view sub, std::string_view container);
std::string InvalidExpire(std::string_view command);

}  // namespace cairn::commands::err
