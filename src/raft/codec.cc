// Raft wire format: see codec.h for the layout.
#include "raft/codec.h"

#include "common/coding.h"

namespace cairn::raft {

namespace {

constexpr uint8_t kFlagReject = 1;
constexpr uint8_t kMaxMessageType = static_cast<uint8_t>(MessageType::kReadIndexResp);
constexpr uint8_t kMaxEntryType = static_cast<uint8_t>(EntryType::kConfChange);
constexpr uint8_t kMaxConfChangeType = static_cast<uint8_t>(ConfChangeType::kRemoveNode);

void PutIds(std::string* out, const std::vector<NodeId>& ids) {
  PutVarint64(out, ids.size());
  for (NodeId id : ids) PutVarint64(out, id);
}

void PutBody(const Message& m, std::string* out) {
  out->push_back(static_cast<char>(kWireVersion));
  out->push_back(static_cast<char>(m.type));
  for (uint64_t v : {m.from, m.to, m.term, m.log_term, m.index, m.commit}) PutVarint64(out, v);
  out->push_back(static_cast<char>(m.reject ? kFlagReject : 0));
  PutVarint64(out, m.reject_hint);
  PutLengthPrefixed(out, m.context);
  PutVarint64(out, m.entries.size());
  for (const Entry& e : m.entries) {
    PutVarint64(out, e.term);
    PutVarint64(out, e.index);
    out->push_back(static_cast<char>(e.type));
    PutLengthPrefixed(out, e.data);
  }
  const bool has_snapshot = !m.snapshot.empty();
  out->push_back(static_cast<char>(has_snapshot ? 1 : 0));
  if (has_snapshot) {
    PutVarint64(out, m.snapshot.meta.index);
    PutVarint64(out, m.snapshot.meta.term);
    PutIds(out, m.snapshot.meta.conf.voters);
    PutIds(out, m.snapshot.meta.conf.learners);
    PutLengthPrefixed(out, m.snapshot.data);
  }
}

bool GetByte(std::string_view* in, uint8_t* v) {
  if (in->empty()) return false;
  *v = static_cast<uint8_t>(in->front());
  in->remove_prefix(1);
  return true;
}

bool GetString(std::string_view* in, std::string* out) {
  std::string_view s;
  if (!GetLengthPrefixed(in, &s)) return false;
  out->assign(s.data(), s.size());
  return true;
}

// A count can never exceed the bytes left (each item takes at least one): this bounds
// allocations by the frame size, whatever a corrupted count says.
bool GetCount(std::string_view* in, uint64_t* n) { return GetVarint64(in, n) && *n <= in->size(); }

bool GetIds(std::string_view* in, std::vector<NodeId>* ids) {
  uint64_t n = 0;
  if (!GetCount(in, &n)) return false;
  ids->resize(n);
  for (NodeId& id : *ids) {
    if (!GetVarint64(in, &id)) return false;
  }
  return true;
}

bool GetEntry(std::string_view* in, Entry* e) {
  uint8_t type = 0;
  if (!GetVarint64(in, &e->term) || !GetVarint64(in, &e->index) || !GetByte(in, &type) ||
      type > kMaxEntryType) {
    return false;
  }
  e->type = static_cast<EntryType>(type);
  return GetString(in, &e->data);
}

bool GetBody(std::string_view in, Message* m) {
  uint8_t version = 0, type = 0, flags = 0, has_snapshot = 0;
  if (!GetByte(&in, &version) || version != kWireVersion) return false;
  if (!GetByte(&in, &type) || type == 0 || type > kMaxMessageType) return false;
  m->type = static_cast<MessageType>(type);
  for (uint64_t* v : {&m->from, &m->to, &m->term, &m->log_term, &m->index, &m->commit}) {
    if (!GetVarint64(&in, v)) return false;
  }
  if (!GetByte(&in, &flags) || (flags & ~kFlagReject) != 0) return false;
  m->reject = (flags & kFlagReject) != 0;
  if (!GetVarint64(&in, &m->reject_hint) || !GetString(&in, &m->context)) return false;
  uint64_t n = 0;
  if (!GetCount(&in, &n)) return false;
  m->entries.resize(n);
  for (Entry& e : m->entries) {
    if (!GetEntry(&in, &e)) return false;
  }
  if (!GetByte(&in, &has_snapshot) || has_snapshot > 1) return false;
  m->snapshot = Snapshot{};
  if (has_snapshot == 1) {
    SnapshotMeta& meta = m->snapshot.meta;
    if (!GetVarint64(&in, &meta.index) || !GetVarint64(&in, &meta.term) ||
        !GetIds(&in, &meta.conf.voters) || !GetIds(&in, &meta.conf.learners) ||
        !GetString(&in, &m->snapshot.data) || meta.index == 0) {
      return false;
    }
  }
  return in.empty();  // trailing bytes mean a writer we do not understand
}

}  // namespace

void AppendFrame(const Message& m, std::string* out) {
  std::string body;
  PutBody(m, &body);
  CAIRN_ASSERT(body.size() <= kMaxFrameBodyBytes);
  PutFixed32(out, static_cast<uint32_t>(body.size()));
  PutFixed32(out, Crc32c(body));
  out->append(body);
}

std::string EncodeFrame(const Message& m) {
  std::string out;
  AppendFrame(m, &out);
  return out;
}

Status DecodeFrame(std::string_view* in, Message* out) {
  if (in->size() < kFrameHeaderBytes) return Status::OutOfRange("truncated frame header");
  const uint32_t length = DecodeFixed32(in->data());
  const uint32_t crc = DecodeFixed32(in->data() + 4);
  if (length > kMaxFrameBodyBytes) return Status::Corruption("frame length over the limit");
  if (in->size() - kFrameHeaderBytes < length) return Status::OutOfRange("truncated frame body");
  const std::string_view body = in->substr(kFrameHeaderBytes, length);
  if (Crc32c(body) != crc) return Status::Corruption("frame checksum mismatch");
  Message m;
  if (!GetBody(body, &m)) return Status::Corruption("malformed or unknown-version frame body");
  *out = std::move(m);
  in->remove_prefix(kFrameHeaderBytes + length);
  return Status::Ok();
}

std::string EncodeConfChange(const ConfChange& cc) {
  std::string out;
  out.push_back(static_cast<char>(kWireVersion));
  out.push_back(static_cast<char>(cc.type));
  PutVarint64(&out, cc.node);
  return out;
}

Result<ConfChange> DecodeConfChange(std::string_view data) {
  uint8_t version = 0, type = 0;
  ConfChange cc;
  if (!GetByte(&data, &version) || version != kWireVersion || !GetByte(&data, &type) ||
      type > kMaxConfChangeType || !GetVarint64(&data, &cc.node) || !data.empty()) {
    return Status::Corruption("malformed conf change");
  }
  cc.type = static_cast<ConfChangeType>(type);
  return cc;
}

}  // namespace cairn::raft
