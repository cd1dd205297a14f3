// Typed keyspace lookups shared by every family: find a key, check its type, and reply with
// WRONGTYPE (or a storage error) when it does not fit. Helpers that may reply end in OrReply.
#pragma once

#include "commands/context.h"

namespace cairn::commands {

// Looks a key up in ctx.db at ctx.now_ms. Sets *entry to nullptr when the key is missing.
// Returns false after replying with an error.
bool LookupOrReply(Context& ctx, std::string_view key, const keyspace::Entry** entry);
// LookupOrReply without the value ((*entry)->value may be empty): for commands that need only
// the key's existence, type or expiry (TTL, TYPE, EXISTS, a write that replaces the key).
bool LookupMetaOrReply(Context& ctx, std::string_view key, const keyspace::Entry** entry);
// LookupMetaOrReply in another database than ctx.db (COPY ... DB n, MOVE).
bool LookupMetaInDbOrReply(Context& ctx, int db, std::string_view key,
                           const keyspace::Entry** entry);
// Like LookupOrReply, and also replies WRONGTYPE when the key exists with another type.
bool LookupTypedOrReply(Context& ctx, std::string_view key, keyspace::ValueType type,
                        const keyspace::Entry** entry);

// OBJECT ENCODING's answer for a collection, by Redis's thresholds as configured now
// (hash-max-listpack-entries / -value, set-max-intset-entries, set-max-listpack-entries /
// -value), against the most members and the longest member or payload it ever held: intset,
// listpack or hashtable ("listpack" for the types with no family yet). Cairn stores every size
// the same way; only the name follows Redis.
std::string_view CollectionEncoding(Context& ctx, const keyspace::Entry& e);

// Writes a string value, keeping or replacing its expiry. Only inside an apply.
void PutString(Context& ctx, std::string_view key, std::string value, int64_t expire_at_ms);

}  // namespace cairn::commands
