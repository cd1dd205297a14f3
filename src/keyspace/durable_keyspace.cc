// DurableKeyspace: applies kept pending in an overlay and written to LevelDB in batches (per group,
// or write-behind), reads through overlay -> tier -> LevelDB.
#include "keyspace/durable_keyspace.h"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "common/assert.h"
#include "common/coding.h"

namespace cairn::keyspace {
namespace {

bool IsCollection(ValueType t) { return t != ValueType::kString; }

// Written entries move into the tier in small steps, so that a large write-behind set does not
// stall the loop when it lands: per step between groups, twice as many as the applies since the
// last step (at least kDrainMinPerStep), which finishes the drain within half the writes that
// made the set; per loop iteration, twice the commands it ran (Pace), for loads of reads; per
// node tick, kDrainPerTick (~0.4 ms), for when the server idles. A fixed 512 per group cost
// ~0.4 ms in every loop iteration at -P 1, where a group holds ~25 writes, and 2048 per tick
// ~1.5 ms every 100 ms: the slowest tenth, then the slowest hundredth, of requests.
constexpr size_t kDrainMinPerStep = 32;
constexpr size_t kDrainPerTick = 512;
// How long the writer thread waits, after its last checkpoint, before trimming the heap.
constexpr std::chrono::milliseconds kTrimWhenIdleAfter{1000};

int64_t SaturatingAdd(int64_t a, int64_t b) { return a > INT64_MAX - b ? INT64_MAX : a + b; }

}  // namespace

DurableKeyspace::DurableKeyspace(Options options, std::unique_ptr<Engine> engine)
    : options_(std::move(options)),
      engine_(std::move(engine)),
      tier_(options_.maxmemory_bytes),
      wheel_cursor_(TagPrefix(RecordTag::kExpiry)) {
  if (WriteBehind()) writer_ = std::thread([this] { WriterLoop(); });
  if (options_.store_read_threads > 0) {
    reader_ = std::make_unique<StoreReader>(*engine_, options_.store_read_threads,
                                            options_.on_store_read);
  }
}

// A write in flight finishes first (LevelDB then holds whole entries, as after any write).
DurableKeyspace::~DurableKeyspace() {
  StopStoreReads();
  if (!writer_.joinable()) return;
  {
    std::lock_guard lock(writer_mu_);
    stopping_ = true;
  }
  writer_cv_.notify_all();
  writer_.join();
}

Result<std::unique_ptr<DurableKeyspace>> DurableKeyspace::Open(Options options) {
  EngineOptions eo;
  eo.dir = options.dir;
  eo.block_cache_bytes = options.block_cache_bytes;
  eo.write_buffer_bytes = options.write_buffer_bytes;
  eo.max_open_files = options.max_open_files;
  auto engine = Engine::Open(eo);
  if (!engine.ok()) return engine.status();
  std::unique_ptr<DurableKeyspace> ks(
      new DurableKeyspace(std::move(options), std::move(engine).value()));  // private ctor
  CAIRN_RETURN_IF_ERROR(ks->Load());
  return ks;
}

Status DurableKeyspace::LoadU64(std::string_view key, uint64_t* out, uint64_t missing) {
  std::string raw;
  Status s = engine_->Get(key, &raw);
  if (s.code() == ErrorCode::kNotFound) {
    *out = missing;
    return Status::Ok();
  }
  CAIRN_RETURN_IF_ERROR(s);
  return DecodeU64Value(raw, out);
}

// Reads the singletons, the 16 mapping records, their counters and the orphan list: O(databases
// + orphans), independent of the number of keys.
Status DurableKeyspace::Load() {
  uint64_t format = 0;
  CAIRN_RETURN_IF_ERROR(LoadU64(SingletonKey(Singleton::kStoreFormat), &format, 0));
  if (format == 0) {
    // A new store: databases 0..15 start in namespaces 0..15.
    EngineBatch init;
    init.Put(SingletonKey(Singleton::kStoreFormat), EncodeU64Value(kStoreFormat));
    init.Put(SingletonKey(Singleton::kNextNamespace), EncodeU64Value(kNumDatabases));
    init.Put(SingletonKey(Singleton::kNextVersion), EncodeU64Value(1));
    for (int db = 0; db < kNumDatabases; ++db) {
      init.Put(DbMappingKey(db), EncodeU64Value(db));
    }
    CAIRN_RETURN_IF_ERROR(engine_->Write(&init, /*sync=*/true));
  } else if (format != kStoreFormat) {
    return Status::Corruption("keyspace: unknown store format " + std::to_string(format));
  }
  State& st = committed_;
  CAIRN_RETURN_IF_ERROR(LoadU64(SingletonKey(Singleton::kAppliedIndex), &applied_index_, 0));
  written_index_ = applied_index_;
  CAIRN_RETURN_IF_ERROR(LoadU64(SingletonKey(Singleton::kNextVersion), &st.next_version, 1));
  CAIRN_RETURN_IF_ERROR(
      LoadU64(SingletonKey(Singleton::kNextNamespace), &st.next_ns, kNumDatabases));
  for (int db = 0; db < kNumDatabases; ++db) {
    CAIRN_RETURN_IF_ERROR(LoadU64(DbMappingKey(db), &st.dbs[db].ns, db));
    CAIRN_RETURN_IF_ERROR(LoadU64(DbChangeIndexKey(db), &st.db_change_index[db], 0));
    std::string raw;
    Status s = engine_->Get(CountersKey(st.dbs[db].ns), &raw);
    if (s.ok()) {
      CAIRN_RETURN_IF_ERROR(DecodeCounters(raw, &st.dbs[db].counters));
    } else if (s.code() != ErrorCode::kNotFound) {
      return s;
    }
  }
  EngineIterator it = engine_->NewPrefixIterator(TagPrefix(RecordTag::kOrphanNamespace));
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    uint64_t ns = 0;
    CAIRN_RETURN_IF_ERROR(DecodeNamespaceKey(RecordTag::kOrphanNamespace, it.key(), &ns));
    orphans_.push_back(ns);
  }
  CAIRN_RETURN_IF_ERROR(it.status());
  working_ = committed_;
  // Namespaces made from now on start empty; with no metadata record at all (one seek; orphaned
  // namespaces' count too, conservatively) every namespace does.
  EngineIterator meta = engine_->NewPrefixIterator(TagPrefix(RecordTag::kMeta));
  meta.SeekToFirst();
  CAIRN_RETURN_IF_ERROR(meta.status());
  first_tiered_ns_ = meta.Valid() ? st.next_ns : 0;
  return Status::Ok();
}

// --- Reads ---

uint64_t DurableKeyspace::SlotBytes(std::string_view key, const std::optional<PendingEntry>& e) {
  return Overlay::kSlotOverhead + key.size() + (e.has_value() ? e->value.size() : 0);
}

DurableKeyspace::Pending::Pending()
    : arena(std::make_unique<std::pmr::unsynchronized_pool_resource>()),
      overlay(arena.get()) {}

void DurableKeyspace::ToEntry(const PendingEntry& p, bool with_value, Entry* out) {
  out->type = p.type;
  out->expire_at_ms = p.expire_at_ms;
  out->version = p.version;
  out->mod_index = p.mod_index;
  if (with_value) {
    out->value.assign(p.value);
  } else {
    out->value.clear();
  }
}

const Entry* DurableKeyspace::Materialize(const std::optional<PendingEntry>& p, bool with_value) {
  if (!p.has_value()) return nullptr;
  ToEntry(*p, with_value, &pending_scratch_);
  return &pending_scratch_;
}

// Pending entries: not in LevelDB (nor reliably in the tier) yet; the newest first, then those
// being written. nullptr: not pending.
const std::optional<PendingEntry>* DurableKeyspace::FindOverlay(uint64_t ns, std::string_view key,
                                                                uint64_t hash) const {
  if (const Slot* slot = pending_->overlay.Find(ns, key, hash)) return &slot->entry;
  if (in_flight_ != nullptr) {
    if (const Slot* slot = in_flight_->overlay.Find(ns, key, hash)) return &slot->entry;
  }
  return nullptr;
}

Result<const Entry*> DurableKeyspace::Lookup(uint64_t ns, std::string_view key,
                                             bool with_value) {
  const uint64_t hash = KeyHash(ns, key);
  if (Slot* slot = pending_->overlay.Find(ns, key, hash)) {
    last_found_ = slot;
    return Materialize(slot->entry, with_value);
  }
  return LookupBelowPending(ns, key, hash, with_value);
}

// For a write: one hash lookup in pending_ serves both the read and SetOverlay.
Result<DurableKeyspace::WriteTarget> DurableKeyspace::LookupForWrite(uint64_t ns,
                                                                     std::string_view key) {
  // A read-modify-write (INCR, APPEND...) has just found this key: no second search.
  if (last_found_ != nullptr && last_found_->ns == ns && last_found_->key() == key) {
    return WriteTarget{last_found_, Materialize(last_found_->entry, /*with_value=*/false)};
  }
  const uint64_t hash = KeyHash(ns, key);
  if (Slot* slot = pending_->overlay.Find(ns, key, hash)) {
    return WriteTarget{slot, Materialize(slot->entry, /*with_value=*/false)};
  }
  auto found = LookupBelowPending(ns, key, hash, /*with_value=*/false);
  if (!found.ok()) return found.status();
  return WriteTarget{nullptr, *found};
}

Result<const Entry*> DurableKeyspace::LookupBelowPending(uint64_t ns, std::string_view key,
                                                         uint64_t hash, bool with_value) {
  if (in_flight_ != nullptr) {
    if (const Slot* slot = in_flight_->overlay.Find(ns, key, hash)) {
      return Materialize(slot->entry, with_value);
    }
  }
  if (const Entry* e = tier_.Get(ns, key, with_value)) return e;
  if (TierHoldsEveryKeyOf(ns)) return static_cast<const Entry*>(nullptr);
  ++store_reads_;
  std::string raw;
  Status s = engine_->Get(MetaKey(ns, key), &raw);
  if (s.code() == ErrorCode::kNotFound) return static_cast<const Entry*>(nullptr);
  CAIRN_RETURN_IF_ERROR(s);
  CAIRN_RETURN_IF_ERROR(CacheStoreRecord(ns, key, raw));
  return static_cast<const Entry*>(&scratch_);
}

Status DurableKeyspace::CacheStoreRecord(uint64_t ns, std::string_view key, std::string_view raw) {
  CAIRN_RETURN_IF_ERROR(DecodeMetaValue(raw, &scratch_));
  tier_.Put(ns, key, scratch_);  // not cached if larger than the whole tier
  return Status::Ok();
}

// The index lines of every table a lookup may visit; then the entry of the first table with a
// candidate, in lookup order (under a write load most keys are pending already).
void DurableKeyspace::PrefetchIndex(int db, uint64_t key_hash) const {
  const uint64_t hash = KeyHashOf(working_.dbs[db].ns, key_hash);
  pending_->overlay.PrefetchIndex(hash);
  if (in_flight_ != nullptr) in_flight_->overlay.PrefetchIndex(hash);
  tier_.PrefetchIndex(hash);
}

void DurableKeyspace::PrefetchEntry(int db, uint64_t key_hash) const {
  const uint64_t hash = KeyHashOf(working_.dbs[db].ns, key_hash);
  if (pending_->overlay.PrefetchSlot(hash)) return;
  if (in_flight_ != nullptr && in_flight_->overlay.PrefetchSlot(hash)) return;
  tier_.PrefetchNode(hash);
}

// --- reads off the loop ---

bool DurableKeyspace::ReadsStore(int db) const {
  return reader_ != nullptr && !TierHoldsEveryKeyOf(working_.dbs[db].ns);
}

bool DurableKeyspace::NeedsStoreRead(uint64_t ns, std::string_view key) const {
  const uint64_t hash = KeyHash(ns, key);
  if (pending_->overlay.Find(ns, key, hash) != nullptr) return false;
  if (in_flight_ != nullptr && in_flight_->overlay.Find(ns, key, hash) != nullptr) return false;
  return !tier_.Contains(ns, key, hash) && !TierHoldsEveryKeyOf(ns);
}

// For a lone command, a read that memory can serve (LevelDB's caches, the page cache) is done
// here at once: handing it to a thread and back costs more than it does. A pipelined batch is
// read on the threads whatever the cache holds, in parallel with the loop.
bool DurableKeyspace::QueueStoreRead(int db, std::string_view key, bool read_cached_inline) {
  CAIRN_ASSERT(!in_apply_);
  const uint64_t ns = working_.dbs[db].ns;
  if (reader_ == nullptr || !NeedsStoreRead(ns, key)) return false;
  StoreReader::Read r;
  r.meta_key = MetaKey(ns, key);
  Status s = read_cached_inline ? engine_->GetIfCached(r.meta_key, &r.raw)
                                : Status::Unavailable("a batch: read on the threads");
  if (s.code() != ErrorCode::kUnavailable) {
    // Absent, or an error: the command's own lookup reads it again and reports.
    if (s.ok() && CacheStoreRecord(ns, key, r.raw).ok()) ++store_reads_;
    return false;
  }
  r.ns = ns;
  r.key = std::string(key);
  queued_.reads.push_back(std::move(r));
  return true;
}

bool DurableKeyspace::SubmitStoreReads(uint64_t tag) {
  if (queued_.reads.empty()) return false;
  queued_.tag = tag;
  queued_.epoch = store_epoch_;
  reader_->Submit(std::move(queued_));
  queued_ = StoreReader::Job{};
  return true;
}

void DurableKeyspace::TakeStoreReads(std::vector<uint64_t>* tags) {
  CAIRN_ASSERT(!in_apply_);
  if (reader_ == nullptr) return;
  finished_.clear();
  reader_->TakeDone(&finished_);
  for (const StoreReader::Job& job : finished_) {
    // Otherwise LevelDB may hold something newer than what was read: lookups read it again.
    if (job.epoch == store_epoch_) {
      for (const StoreReader::Read& r : job.reads) AdmitStoreRead(r);
    }
    tags->push_back(job.tag);
  }
}

// The store has not changed since the read (epoch), so what was read is what LevelDB holds now;
// it is the key's entry unless memory holds a newer one, or its namespace is gone (flushed).
void DurableKeyspace::AdmitStoreRead(const StoreReader::Read& r) {
  if (!r.found || DbOfNamespace(r.ns) < 0 || !NeedsStoreRead(r.ns, r.key)) return;
  if (!CacheStoreRecord(r.ns, r.key, r.raw).ok()) return;  // the lookup reads it and reports
  ++store_reads_;
  ++store_reads_async_;
}

void DurableKeyspace::StopStoreReads() {
  if (reader_ != nullptr) reader_->Stop();
}

Result<const Entry*> DurableKeyspace::FindLive(int db, std::string_view key, int64_t now_ms,
                                               bool with_value) {
  auto found = Lookup(working_.dbs[db].ns, key, with_value);
  if (!found.ok()) return found.status();
  const Entry* e = *found;
  if (e != nullptr && e->ExpiredAt(now_ms)) return static_cast<const Entry*>(nullptr);
  return e;
}

Result<const Entry*> DurableKeyspace::Find(int db, std::string_view key, int64_t now_ms) {
  return FindLive(db, key, now_ms, /*with_value=*/true);
}

Result<const Entry*> DurableKeyspace::FindMeta(int db, std::string_view key, int64_t now_ms) {
  return FindLive(db, key, now_ms, /*with_value=*/false);
}

// Same cursor semantics as MemoryKeyspace::Scan: the cursor is the next hash to visit, and a
// group of keys sharing one hash is never split across pages. Pending entries are written first
// (inside an apply, where that cannot happen, it reads what LevelDB holds).
Result<ScanPage> DurableKeyspace::Scan(int db, uint64_t cursor, size_t count, int64_t now_ms) {
  if (!in_apply_) CAIRN_RETURN_IF_ERROR(WritePending());
  ScanPage page;
  uint64_t ns = working_.dbs[db].ns;
  EngineIterator it = engine_->NewPrefixIterator(NamespacePrefix(RecordTag::kMeta, ns));
  it.Seek(MetaSeekKey(ns, cursor));
  uint64_t last_hash = 0;
  size_t visited = 0;
  for (; it.Valid(); it.Next()) {
    MetaKeyParts parts;
    CAIRN_RETURN_IF_ERROR(DecodeMetaKey(it.key(), &parts));
    if (visited >= count && parts.hash != last_hash) break;
    ValueType type;
    int64_t expire_at_ms = 0;
    CAIRN_RETURN_IF_ERROR(DecodeMetaHeader(it.value(), &type, &expire_at_ms));
    last_hash = parts.hash;
    if (expire_at_ms == 0 || expire_at_ms > now_ms) page.keys.emplace_back(parts.key);
    ++visited;
  }
  CAIRN_RETURN_IF_ERROR(it.status());
  page.next_cursor = it.Valid() ? last_hash + 1 : 0;
  return page;
}

// --- Active expiry ---

int DurableKeyspace::DbOfNamespace(uint64_t ns) const {
  for (int db = 0; db < kNumDatabases; ++db) {
    if (working_.dbs[db].ns == ns) return db;
  }
  return -1;
}

// Loads expiry-index records due within the horizon, in index (time) order, a bounded page at a
// time; everything before wheel_cursor_ is in the wheel (or was handed out) already.
void DurableKeyspace::PageInExpiries(int64_t now_ms) {
  int64_t horizon =
      now_ms > INT64_MAX - options_.ttl_horizon_ms ? INT64_MAX : now_ms + options_.ttl_horizon_ms;
  // A pending record due within the horizon is written first (which also lowers
  // next_unloaded_ms_ to it), so that the cursor never moves past a record not on disk yet.
  if (horizon >= pending_far_min_ms_ && (in_apply_ || !WritePending().ok())) return;
  if (horizon < next_unloaded_ms_ || wheel_.size() >= options_.ttl_max_loaded) return;
  EngineIterator it = engine_->NewPrefixIterator(TagPrefix(RecordTag::kExpiry));
  size_t loaded = 0;
  for (it.Seek(wheel_cursor_); it.Valid(); it.Next()) {
    ExpiryKeyParts parts;
    if (DecodeExpiryKey(it.key(), &parts).ok()) {
      if (parts.expire_at_ms > horizon || loaded >= options_.ttl_page_records ||
          wheel_.size() >= options_.ttl_max_loaded) {
        next_unloaded_ms_ = parts.expire_at_ms;
        return;
      }
      wheel_.Add(parts.ns, std::string(parts.key), parts.expire_at_ms);
      ++loaded;
    }
    // A corrupt index record is skipped: the key still expires passively on read.
    wheel_cursor_.assign(it.key());
    wheel_cursor_.push_back('\0');  // the smallest key after this one
  }
  if (it.status().ok()) next_unloaded_ms_ = INT64_MAX;
}

// Filters out candidates made stale by a later write, so that callers see what MemoryKeyspace
// would hand out; the deletion the node proposes re-checks anyway.
bool DurableKeyspace::StillScheduled(const TtlWheel::Item& item) {
  if (const std::optional<PendingEntry>* pending =
          FindOverlay(item.ns, item.key, KeyHash(item.ns, item.key))) {
    return pending->has_value() && (*pending)->expire_at_ms == item.expire_at_ms;
  }
  if (const Entry* e = tier_.Peek(item.ns, item.key, /*with_value=*/false)) {
    return e->expire_at_ms == item.expire_at_ms;
  }
  std::string raw;
  return engine_->Get(ExpiryKey(item.expire_at_ms, item.ns, item.key), &raw).ok();
}

std::vector<DueExpiry> DurableKeyspace::TakeDueExpiries(int64_t now_ms, size_t count) {
  std::vector<DueExpiry> out;
  PageInExpiries(now_ms);
  // Stale items cost work too: bound the items examined per call, not only those returned.
  size_t examine_budget = 4 * count + 64;
  while (out.size() < count && examine_budget > 0) {
    auto items = wheel_.TakeDue(now_ms, std::min(count - out.size(), examine_budget));
    if (items.empty()) break;
    examine_budget -= items.size();
    for (auto& item : items) {
      int db = DbOfNamespace(item.ns);
      if (db < 0 || !StillScheduled(item)) continue;
      out.push_back({db, std::move(item.key), item.expire_at_ms});
    }
  }
  return out;
}

// --- Writes ---

void DurableKeyspace::BeginGroup() {
  CAIRN_ASSERT(!in_group_ && !in_apply_);
  in_group_ = true;
}

Status DurableKeyspace::EndGroup() {
  CAIRN_ASSERT(in_group_ && !in_apply_);
  in_group_ = false;
  Status s = write_status_;
  write_status_ = Status::Ok();
  Status w = WriteBehind() ? WriteBehindStep() : WritePending();
  return s.ok() ? w : s;
}

// Between applies in write-behind mode: collects a finished background write, and starts the
// next one once pending_ holds the limit. Applies go on while it runs until everything not
// written (its entries and theirs) holds twice the limit; then they wait for it, so memory stays
// bounded when LevelDB is slower than the applies.
Status DurableKeyspace::WriteBehindStep() {
  const uint64_t limit = WriteBehindLimit();
  const bool over = pending_->bytes() >= limit;
  Status s = CollectWrite(/*wait=*/over && writer_busy_ && pending_bytes() >= 2 * limit);
  DrainWritten(std::max(kDrainMinPerStep, 2 * std::exchange(applies_since_drain_, 0)));
  if (over) StartBackgroundWrite();
  return s;
}

uint64_t DurableKeyspace::WriteBehindLimit() const {
  uint64_t limit = options_.write_behind_bytes;
  if (tier_.budget() != 0) limit = std::min(limit, tier_.budget() / 8);
  return limit;
}

void DurableKeyspace::BeginApply(uint64_t log_index, int64_t now_ms) {
  CAIRN_ASSERT(!in_apply_);
  in_apply_ = true;
  apply_index_ = log_index;
  apply_now_ms_ = now_ms;
  apply_status_ = Status::Ok();
  mark_.state = working_;
  mark_.batch_ops = pending_->batch.count();
  mark_.new_expiries = pending_->new_expiries.size();
  mark_.flushed = pending_->flushed.size();
  mark_.flushed_all = pending_->flushed_all;
  undo_.clear();
  member_undo_.clear();
}

void DurableKeyspace::DeleteExpiryRecord(uint64_t ns, std::string_view key, int64_t expire_at_ms) {
  pending_->batch.Delete(ExpiryKey(expire_at_ms, ns, key));
}

void DurableKeyspace::PutExpiryRecord(uint64_t ns, std::string_view key, int64_t expire_at_ms) {
  pending_->batch.Put(ExpiryKey(expire_at_ms, ns, key), EncodeFormatOnlyValue());
  pending_->new_expiries.push_back({{expire_at_ms, ns, std::string(key)}, false});
}

// A collection's member records belong to its version; queue the version for GC.
void DurableKeyspace::ForgetVersion(uint64_t ns, std::string_view key, const Entry& old) {
  if (IsCollection(old.type)) {
    pending_->batch.Put(OrphanVersionKey(ns, key, old.version), EncodeFormatOnlyValue());
  }
}

void DurableKeyspace::Put(int db, std::string_view key, Entry entry) {
  CAIRN_ASSERT(in_apply_);
  if (!apply_status_.ok()) return;
  DbState& d = working_.dbs[db];
  auto target = LookupForWrite(d.ns, key);
  if (!target.ok()) {
    apply_status_ = target.status();
    return;
  }
  if (const Entry* old = target->entry; old != nullptr) {
    if (old->expire_at_ms != 0) {
      DeleteExpiryRecord(d.ns, key, old->expire_at_ms);
      --d.counters.expires;
    }
    // An expired collection starts afresh: its members go with its version.
    if (old->type == entry.type && !(IsCollection(old->type) && old->ExpiredAt(apply_now_ms_))) {
      entry.version = old->version;
    } else {
      ForgetVersion(d.ns, key, *old);
      entry.version = working_.next_version++;
    }
  } else {
    entry.version = working_.next_version++;
    ++d.counters.keys;
  }
  entry.mod_index = apply_index_;
  if (entry.expire_at_ms != 0) {
    PutExpiryRecord(d.ns, key, entry.expire_at_ms);
    ++d.counters.expires;
  }
  SetOverlay(target->slot, d.ns, key, std::move(entry));  // the record is written from it
}

bool DurableKeyspace::Delete(int db, std::string_view key) {
  CAIRN_ASSERT(in_apply_);
  if (!apply_status_.ok()) return false;
  DbState& d = working_.dbs[db];
  auto target = LookupForWrite(d.ns, key);
  if (!target.ok()) {
    apply_status_ = target.status();
    return false;
  }
  const Entry* old = target->entry;
  if (old == nullptr) return false;
  if (old->expire_at_ms != 0) {
    DeleteExpiryRecord(d.ns, key, old->expire_at_ms);
    --d.counters.expires;
  }
  ForgetVersion(d.ns, key, *old);
  --d.counters.keys;
  SetOverlay(target->slot, d.ns, key, std::nullopt);
  return true;
}

// Records what the slot held before, so that a failing entry can be undone without touching the
// entries before it in the group.
void DurableKeyspace::SetOverlay(Slot* slot, uint64_t ns, std::string_view key,
                                 std::optional<Entry> entry) {
  std::pmr::memory_resource* arena = pending_->arena.get();
  std::optional<PendingEntry> pending;
  if (entry.has_value()) {
    pending.emplace(PendingEntry{entry->type, entry->expire_at_ms, entry->version,
                                 entry->mod_index, std::pmr::string(entry->value, arena)});
  }
  pending_->overlay_bytes += SlotBytes(key, pending);
  if (slot == nullptr) {
    slot = pending_->overlay.Add(ns, key, KeyHash(ns, key), std::move(pending));
    undo_.push_back(OverlayUndo{slot, false, std::nullopt});
    return;
  }
  pending_->overlay_bytes -= SlotBytes(key, slot->entry);
  undo_.push_back(OverlayUndo{slot, true, std::move(slot->entry)});
  slot->entry = std::move(pending);
}

void DurableKeyspace::FlushDb(int db) {
  CAIRN_ASSERT(in_apply_);
  if (!apply_status_.ok()) return;
  DbState& d = working_.dbs[db];
  working_.db_change_index[db] = apply_index_;
  // An empty database has no metadata records to drop (a deleted collection's members are
  // tracked by their own 'G' record), so it keeps its namespace.
  if (d.counters.keys == 0) return;
  pending_->batch.Put(OrphanNamespaceKey(d.ns), EncodeFormatOnlyValue());
  pending_->flushed.push_back(d.ns);
  d = DbState{working_.next_ns++, Counters{}};
}

void DurableKeyspace::FlushAll() {
  CAIRN_ASSERT(in_apply_);
  for (int db = 0; db < kNumDatabases; ++db) FlushDb(db);
  pending_->flushed_all = true;
}

void DurableKeyspace::SwapDb(int a, int b) {
  CAIRN_ASSERT(in_apply_);
  if (a == b || !apply_status_.ok()) return;
  std::swap(working_.dbs[a], working_.dbs[b]);
  working_.db_change_index[a] = working_.db_change_index[b] = apply_index_;
}

// Records of the small state that changed since the last write, plus the applied index: the last
// entry in the batch.
void DurableKeyspace::AddStateToBatch() {
  for (int db = 0; db < kNumDatabases; ++db) {
    const DbState& w = working_.dbs[db];
    const DbState& c = committed_.dbs[db];
    if (w.ns != c.ns) pending_->batch.Put(DbMappingKey(db), EncodeU64Value(w.ns));
    if (!(w == c)) pending_->batch.Put(CountersKey(w.ns), EncodeCounters(w.counters));
    if (working_.db_change_index[db] != committed_.db_change_index[db]) {
      pending_->batch.Put(DbChangeIndexKey(db), EncodeU64Value(working_.db_change_index[db]));
    }
  }
  if (working_.next_version != committed_.next_version) {
    pending_->batch.Put(SingletonKey(Singleton::kNextVersion), EncodeU64Value(working_.next_version));
  }
  if (working_.next_ns != committed_.next_ns) {
    pending_->batch.Put(SingletonKey(Singleton::kNextNamespace), EncodeU64Value(working_.next_ns));
  }
  pending_->batch.Put(SingletonKey(Singleton::kAppliedIndex), EncodeU64Value(applied_index_));
}

// Moves pending_ into in_flight_ with the state records it brings LevelDB to.
void DurableKeyspace::Freeze() {
  CAIRN_ASSERT(in_flight_ == nullptr && !in_apply_);
  AddStateToBatch();
  pending_->state = working_;
  pending_->applied_index = applied_index_;
  in_flight_bytes_ = pending_->bytes();
  in_flight_ = std::move(pending_);
  pending_ = std::make_unique<Pending>();
  last_found_ = nullptr;
  BumpStoreEpoch();  // its write may change LevelDB's records of any key in it
  // A set frozen full means writes outrun checkpoints: the next is likely as large, and growing
  // its table step by step rehashes ~2x its size. A tail frozen by the timer or a SAVE is not a
  // forecast, and an empty reserved table would stay in RSS while the server idles.
  if (WriteBehind() && in_flight_bytes_ >= WriteBehindLimit()) {
    pending_->overlay.Reserve(in_flight_->overlay.size());
  }
  pending_far_min_ms_ = INT64_MAX;
}

// One metadata record per overlay slot, whatever number of entries rewrote it, in LevelDB's key
// order (namespace, key hash, key): LevelDB inserts each into its memtable's skiplist, and in key
// order each search walks the path the last one left in cache, where table order cost a cache
// miss per level. Runs on the writer thread for a background write: it reads only `p`.
Status DurableKeyspace::Encode(Pending* p) {
  if (p->encoded) return Status::Ok();
  struct Ref {
    uint64_t ns;
    uint64_t key_hash;  // StableHash64(key), as MetaKey orders by it
    const Slot* slot;
  };
  std::vector<Ref> order;
  order.reserve(p->overlay.size());
  for (size_t i = 0; i < p->overlay.capacity(); ++i) {
    const Slot* slot = p->overlay.At(i);
    // A flushed namespace is orphaned: GC deletes what it holds.
    if (slot == nullptr || p->IsFlushed(slot->ns)) continue;
    order.push_back(Ref{slot->ns, KeyHashOf(slot->ns, slot->hash), slot});  // XOR: its own inverse
  }
  std::sort(order.begin(), order.end(), [](const Ref& a, const Ref& b) {
    if (a.ns != b.ns) return a.ns < b.ns;
    if (a.key_hash != b.key_hash) return a.key_hash < b.key_hash;
    return a.slot->key() < b.slot->key();
  });
  Entry scratch;
  for (const Ref& r : order) {
    const Slot* slot = r.slot;
    if (slot->entry.has_value()) {
      ToEntry(*slot->entry, /*with_value=*/true, &scratch);
      p->batch.Put(MetaKey(slot->ns, slot->key()), EncodeMetaValue(scratch));
    } else {
      p->batch.Delete(MetaKey(slot->ns, slot->key()));
    }
  }
  for (const auto& [k, v] : p->members) {
    if (p->IsFlushed(DecodeBigEndian64(k.data() + 1))) continue;  // 'D' ns:be64 ...
    if (v.has_value()) {
      p->batch.Put(k, EncodeMemberValue(*v));
    } else {
      p->batch.Delete(k);
    }
  }
  p->encoded = true;
  return Status::Ok();
}

// in_flight_ is in LevelDB: bring the wheel and the committed state up to it at once, and the
// tier step by step (DrainWritten). Until drained, reads still find its entries in its overlay.
void DurableKeyspace::PublishWritten() {
  Pending& p = *in_flight_;
  // Flushed namespaces first: the overlay may hold writes made after the flush, in new ones.
  if (p.flushed_all) {
    tier_.Clear();
  } else {
    for (uint64_t ns : p.flushed) {
      tier_.EraseNamespace(ns);
      tier_.EraseNamespace(MemberTierNs(ns));
    }
  }
  orphans_.insert(orphans_.end(), p.flushed.begin(), p.flushed.end());
  for (auto& [item, in_wheel] : p.new_expiries) {
    if (ExpiryKey(item.expire_at_ms, item.ns, item.key) >= wheel_cursor_) {
      // Paging loads it (again, if it is in the wheel already: a duplicate is filtered later).
      next_unloaded_ms_ = std::min(next_unloaded_ms_, item.expire_at_ms);
    } else if (!in_wheel) {
      wheel_.Add(item.ns, std::move(item.key), item.expire_at_ms);
    }
  }
  committed_ = p.state;
  written_index_ = p.applied_index;
  if (SyncWrites()) synced_index_ = written_index_;
  in_flight_bytes_ = 0;
  in_flight_written_ = true;
  drain_next_ = 0;
  member_drain_ = p.members.begin();
}

// Moves up to `max` written entries into the tier; the last step lets in_flight_ go. Entries
// pending_ changed since are newer, and reads find them in pending_ first.
void DurableKeyspace::DrainWritten(size_t max) {
  if (in_flight_ == nullptr || !in_flight_written_) return;
  Pending& p = *in_flight_;
  for (; drain_next_ < p.overlay.capacity() && max > 0; ++drain_next_) {
    const Slot* slot = p.overlay.At(drain_next_);
    if (slot == nullptr) continue;
    --max;
    if (p.IsFlushed(slot->ns)) continue;
    if (slot->entry.has_value()) {
      ToEntry(*slot->entry, /*with_value=*/true, &drain_scratch_);
      tier_.Put(slot->ns, slot->key(), drain_scratch_);
    } else {
      tier_.Erase(slot->ns, slot->key());
    }
  }
  if (drain_next_ < p.overlay.capacity()) return;
  DrainMembers(&max);
  if (member_drain_ != p.members.end()) return;
  in_flight_written_ = false;
  BumpStoreEpoch();  // its keys leave the overlay; the tier may not have kept them
  if (!writer_.joinable()) {
    in_flight_.reset();
    return;
  }
  // Freeing a large overlay is tens of milliseconds of free(): the writer thread does it.
  {
    std::lock_guard lock(writer_mu_);
    std::swap(to_free_, in_flight_);
  }
  writer_cv_.notify_one();
  in_flight_.reset();  // only if the writer had not freed the previous one yet
}

// Undoes the apply in progress alone; the group's earlier entries stay pending.
void DurableKeyspace::RollbackEntry() {
  last_found_ = nullptr;
  working_ = mark_.state;
  pending_->batch.Truncate(mark_.batch_ops);
  pending_->new_expiries.erase(pending_->new_expiries.begin() + mark_.new_expiries, pending_->new_expiries.end());
  pending_->flushed.resize(mark_.flushed);
  pending_->flushed_all = mark_.flushed_all;
  for (auto u = undo_.rbegin(); u != undo_.rend(); ++u) {
    Slot* slot = u->slot;
    pending_->overlay_bytes -= SlotBytes(slot->key(), slot->entry);
    if (u->existed) {
      pending_->overlay_bytes += SlotBytes(slot->key(), u->before);
      slot->entry = std::move(u->before);
    } else {
      pending_->overlay.Erase(slot);
    }
  }
  undo_.clear();
  for (auto u = member_undo_.rbegin(); u != member_undo_.rend(); ++u) {
    auto it = pending_->members.find(u->key);
    pending_->member_bytes -= MemberBytes(u->key, it->second);
    if (u->existed) {
      pending_->member_bytes += MemberBytes(u->key, u->before);
      it->second = std::move(u->before);
    } else {
      pending_->members.erase(it);
    }
  }
  member_undo_.clear();
}

// Writes every pending entry to LevelDB on the calling thread, after any write in flight.
Status DurableKeyspace::WritePending() {
  CAIRN_ASSERT(!in_apply_);
  CAIRN_RETURN_IF_ERROR(CollectWrite(/*wait=*/true));
  DrainWritten(SIZE_MAX);
  if (pending_->entries == 0) return Status::Ok();
  Freeze();
  CAIRN_RETURN_IF_ERROR(CollectWrite(/*wait=*/true));
  DrainWritten(SIZE_MAX);
  return Status::Ok();
}

Status DurableKeyspace::CollectWrite(bool wait) {
  if (in_flight_ == nullptr || in_flight_written_) return Status::Ok();
  Status s;
  if (writer_busy_) {
    std::unique_lock lock(writer_mu_);
    if (!write_done_) {
      if (!wait) return Status::Ok();
      writer_cv_.wait(lock, [this] { return write_done_; });
    }
    write_done_ = false;
    writer_busy_ = false;
    s = write_result_;
  } else {
    if (!wait) return Status::Ok();
    s = Encode(in_flight_.get());  // frozen here, or a background write that failed
    if (s.ok()) s = engine_->Write(&in_flight_->batch, SyncWrites());
  }
  if (!s.ok()) return s;  // stays in flight: reads still find it, the next write retries it
  PublishWritten();
  return Status::Ok();
}

void DurableKeyspace::StartBackgroundWrite() {
  if (writer_busy_) return;
  DrainWritten(SIZE_MAX);  // long done by now, unless writes come faster than one per drain
  if (in_flight_ == nullptr) {
    if (pending_->entries == 0) return;
    Freeze();
  }  // else: one that failed, written again before anything newer
  {
    std::lock_guard lock(writer_mu_);
    to_write_ = in_flight_.get();
  }
  writer_busy_ = true;
  writer_cv_.notify_one();
}

// The writer thread: encodes and writes what it is handed (synced, so that the node may drop the
// log prefix it holds), and frees what was published.
void DurableKeyspace::WriterLoop() {
  std::unique_lock lock(writer_mu_);
  auto has_work = [this] { return to_write_ != nullptr || to_free_ != nullptr || stopping_; };
  bool trim_when_idle = false;
  for (;;) {
    if (!trim_when_idle) {
      writer_cv_.wait(lock, has_work);
    } else if (!writer_cv_.wait_for(lock, kTrimWhenIdleAfter, has_work)) {
      // glibc keeps what a checkpoint freed (the overlay's small blocks, its encoded batch,
      // LevelDB's memtable once flushed by LevelDB's own thread) in its arenas until asked: once
      // this thread has had nothing to do for a while, ask. Trimming takes 0.3-1.5 ms with the
      // main arena locked, so not after every free: trimming there stalled the loop up to 13 ms.
      lock.unlock();
      malloc_trim(0);
      lock.lock();
      trim_when_idle = false;
      continue;
    }
    if (to_free_ != nullptr) {
      std::unique_ptr<Pending> garbage = std::move(to_free_);
      lock.unlock();
      garbage.reset();
      lock.lock();
      trim_when_idle = true;
    } else if (to_write_ != nullptr) {
      Pending* p = std::exchange(to_write_, nullptr);
      lock.unlock();
      Status s = Encode(p);
      if (s.ok()) s = engine_->Write(&p->batch, /*sync=*/true);
      lock.lock();
      write_result_ = s;
      write_done_ = true;
      writer_cv_.notify_all();
      trim_when_idle = true;
    } else {
      return;  // stopping, nothing left
    }
  }
}

bool DurableKeyspace::Pending::IsFlushed(uint64_t ns) const {
  return !flushed.empty() && std::find(flushed.begin(), flushed.end(), ns) != flushed.end();
}

// Write-behind: the apply's expiries due within the wheel's horizon are scheduled now, not when
// they reach LevelDB; a later one only marks how far the index may be paged in without a write.
void DurableKeyspace::ScheduleNewExpiries() {
  const int64_t horizon = SaturatingAdd(apply_now_ms_, options_.ttl_horizon_ms);
  for (size_t i = mark_.new_expiries; i < pending_->new_expiries.size(); ++i) {
    auto& [item, in_wheel] = pending_->new_expiries[i];
    if (item.expire_at_ms <= horizon) {
      wheel_.Add(item.ns, item.key, item.expire_at_ms);
      in_wheel = true;
    } else {
      pending_far_min_ms_ = std::min(pending_far_min_ms_, item.expire_at_ms);
    }
  }
}

Status DurableKeyspace::CommitApply() {
  CAIRN_ASSERT(in_apply_);
  in_apply_ = false;
  if (!apply_status_.ok()) {
    RollbackEntry();  // the entries pending before it stay
    return apply_status_;
  }
  undo_.clear();
  member_undo_.clear();
  applied_index_ = apply_index_;
  ++pending_->entries;
  ++applies_since_drain_;
  Status s;
  if (WriteBehind()) {
    ScheduleNewExpiries();
    if (pending_->bytes() < WriteBehindLimit()) return Status::Ok();
    s = WriteBehindStep();
  } else if (in_group_ && pending_->entries < kMaxGroupEntries &&
             pending_->batch.ApproximateBytes() + pending_->member_bytes < kMaxGroupBytes) {
    return Status::Ok();
  } else {
    s = WritePending();
  }
  // The entry is applied either way; a failed write leaves it pending, retried later.
  if (!in_group_) return s;
  if (!s.ok() && write_status_.ok()) write_status_ = s;
  return Status::Ok();
}

Status DurableKeyspace::Flush() {
  CAIRN_ASSERT(!in_apply_ && !in_group_);
  CAIRN_RETURN_IF_ERROR(WritePending());
  EngineBatch batch;
  batch.Put(SingletonKey(Singleton::kAppliedIndex), EncodeU64Value(applied_index_));
  // A synced write forces LevelDB's log, and with it every earlier unsynced write, to disk.
  CAIRN_RETURN_IF_ERROR(engine_->Write(&batch, /*sync=*/true));
  synced_index_ = applied_index_;
  return Status::Ok();
}

// Write-behind: starts a background write of everything pending; the node drops the log prefix
// up to synced_index() once it is done. Otherwise the same as Flush.
Status DurableKeyspace::Checkpoint() {
  CAIRN_ASSERT(!in_apply_ && !in_group_);
  if (!WriteBehind()) return Flush();
  Status s = CollectWrite(/*wait=*/false);
  DrainWritten(kDrainPerTick);
  StartBackgroundWrite();
  return s;
}

Status DurableKeyspace::WaitForWrite() { return CollectWrite(/*wait=*/true); }

KeyspaceStats DurableKeyspace::Stats() const {
  KeyspaceStats s;
  s.tier_hits = tier_.hits();
  s.tier_misses = tier_.misses();
  s.tier_evictions = tier_.evictions();
  s.store_reads = store_reads_;
  s.store_reads_async = store_reads_async_;
  s.tier_bytes = tier_.bytes();
  s.tier_entries = tier_.entries();
  s.pending_bytes = pending_bytes();
  for (int db = 0; db < kNumDatabases; ++db) s.expires[db] = working_.dbs[db].counters.expires;
  return s;
}

// --- Garbage collection ---

// Deletes up to the budget of the namespace's records ('M' with their 'E', then 'D', 'Z', 'G');
// *finished when none is left, and then the namespace's own 'O' and 'C' records.
Status DurableKeyspace::CollectNamespace(uint64_t ns, size_t max_records, EngineBatch* batch,
                                         size_t* done, bool* finished) {
  *finished = false;
  for (RecordTag tag :
       {RecordTag::kMeta, RecordTag::kMember, RecordTag::kScore, RecordTag::kOrphanVersion}) {
    EngineIterator it = engine_->NewPrefixIterator(NamespacePrefix(tag, ns));
    for (it.SeekToFirst(); it.Valid(); it.Next()) {
      if (*done >= max_records) return Status::Ok();
      if (tag == RecordTag::kMeta) {
        MetaKeyParts parts;
        ValueType type;
        int64_t expire_at_ms = 0;
        CAIRN_RETURN_IF_ERROR(DecodeMetaKey(it.key(), &parts));
        CAIRN_RETURN_IF_ERROR(DecodeMetaHeader(it.value(), &type, &expire_at_ms));
        if (expire_at_ms != 0) {
          if (*done + 2 > max_records) return Status::Ok();  // the pair goes together
          batch->Delete(ExpiryKey(expire_at_ms, ns, parts.key));
          ++*done;
        }
      }
      batch->Delete(it.key());
      ++*done;
    }
    CAIRN_RETURN_IF_ERROR(it.status());
  }
  if (*done >= max_records) return Status::Ok();  // the next call finds it empty and ends it
  batch->Delete(OrphanNamespaceKey(ns));
  batch->Delete(CountersKey(ns));
  ++*done;  // progress even for a namespace with no records left
  *finished = true;
  return Status::Ok();
}

// Deletes the member and score records of deleted collection versions ('G'), then the 'G' record.
Status DurableKeyspace::CollectVersions(size_t max_records, EngineBatch* batch, size_t* done) {
  EngineIterator git = engine_->NewPrefixIterator(TagPrefix(RecordTag::kOrphanVersion));
  for (git.SeekToFirst(); git.Valid() && *done < max_records; git.Next()) {
    VersionRef ref;
    CAIRN_RETURN_IF_ERROR(DecodeOrphanVersionKey(git.key(), &ref));
    bool finished = true;
    for (const std::string& prefix :
         {MemberPrefix(ref.ns, ref.key, ref.version), ScorePrefix(ref.ns, ref.key, ref.version)}) {
      EngineIterator it = engine_->NewPrefixIterator(prefix);
      for (it.SeekToFirst(); it.Valid(); it.Next()) {
        if (*done >= max_records) {
          finished = false;
          break;
        }
        batch->Delete(it.key());
        tier_.Erase(MemberTierNs(ref.ns), it.key());  // score keys are never there: a no-op
        ++*done;
      }
      CAIRN_RETURN_IF_ERROR(it.status());
      if (!finished) break;
    }
    if (!finished || *done >= max_records) break;
    batch->Delete(git.key());
    ++*done;
  }
  return git.status();
}

void DurableKeyspace::Pace(size_t commands) {
  CAIRN_ASSERT(!in_apply_ && !in_group_);
  if (commands > 0) DrainWritten(2 * commands);
}

Result<size_t> DurableKeyspace::CollectGarbage(size_t max_records) {
  CAIRN_ASSERT(!in_apply_ && !in_group_);
  CAIRN_RETURN_IF_ERROR(CollectWrite(/*wait=*/false));  // the node calls this every tick
  DrainWritten(kDrainPerTick);
  size_t done = 0;
  EngineBatch batch;
  size_t finished_namespaces = 0;
  for (uint64_t ns : orphans_) {
    bool finished = false;
    CAIRN_RETURN_IF_ERROR(CollectNamespace(ns, max_records, &batch, &done, &finished));
    if (!finished) break;
    ++finished_namespaces;
    if (done >= max_records) break;
  }
  // Namespace deletions go first, so that the version pass does not revisit their 'G' records.
  if (!batch.empty()) {
    BumpStoreEpoch();
    CAIRN_RETURN_IF_ERROR(engine_->Write(&batch, /*sync=*/false));
  }
  orphans_.erase(orphans_.begin(), orphans_.begin() + finished_namespaces);
  // Not while a written set drains into the tier: it may hold members of a version collected
  // here, which the tier would then keep (never read again, but never freed without a budget).
  if (done < max_records && in_flight_ == nullptr) {
    EngineBatch versions;
    CAIRN_RETURN_IF_ERROR(CollectVersions(max_records, &versions, &done));
    if (!versions.empty()) {
      BumpStoreEpoch();
      CAIRN_RETURN_IF_ERROR(engine_->Write(&versions, /*sync=*/false));
    }
  }
  return done;
}

}  // namespace cairn::keyspace
