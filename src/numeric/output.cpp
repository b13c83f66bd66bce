// Checked, atomic file writes and the end of standard output (output.hpp).
#include "numeric/output.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <streambuf>
#include <vector>

namespace parallax::io {

WriteError::WriteError(std::string p, std::string r, bool bad, int e, const std::string& option)
    : std::runtime_error(fmt::format("{}{}cannot write {}: {}", option, option.empty() ? "" : ": ", p, r)),
      path(std::move(p)), reason(std::move(r)), bad_path(bad), error(e) {}

namespace {

namespace fs = std::filesystem;

std::string errno_text(int e) { return e ? std::strerror(e) : "write error"; }

/// errno values that say the path itself is wrong rather than the machine.
bool path_errno(int e) { return e == ENOENT || e == ENOTDIR || e == EISDIR || e == ENAMETOOLONG || e == ELOOP; }

/// Writes all n bytes; returns 0 or the errno of the failure.
int write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ::ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (w == 0) return EIO;  // no progress on a non-empty write
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return 0;
}

/// Where a write to PATH goes: a temporary file in `dir` renamed over
/// `final`, or (direct) the existing non-regular file itself.
struct Target {
  std::string final;  ///< PATH with symbolic links followed
  std::string dir;    ///< the folder of `final`
  std::string name;   ///< the file name of `final`
  bool direct = false;
  bool exists = false;
  struct stat st {};  ///< of an existing target
};

/// Resolves PATH, or returns the reason it is bad input (then `bad` is set).
Target resolve(const std::string& path, std::string& problem, int& error) {
  Target t;
  problem.clear();
  error = 0;
  if (path.empty()) {
    problem = "empty file name";
    return t;
  }
  std::string p = path;
  for (int hops = 0;; ++hops) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) {
      error = errno;
      if (error != ENOENT) {
        problem = errno_text(error);
        return t;
      }
      error = 0;
      const fs::path fp(p);
      t.final = p;
      t.name = fp.filename().string();
      if (t.name.empty() || t.name == "." || t.name == "..") {
        problem = "not a file name";
        return t;
      }
      t.dir = fp.has_parent_path() ? fp.parent_path().string() : ".";
      struct stat ds {};
      if (::stat(t.dir.c_str(), &ds) != 0) {
        error = errno;
        problem = error == ENOENT ? fmt::format("no such folder '{}'", t.dir)
                                  : fmt::format("'{}': {}", t.dir, errno_text(error));
        return t;
      }
      if (!S_ISDIR(ds.st_mode)) {
        error = ENOTDIR;
        problem = fmt::format("'{}' is not a folder", t.dir);
      }
      return t;
    }
    if (S_ISLNK(st.st_mode)) {
      if (hops >= 40) {
        error = ELOOP;
        problem = errno_text(ELOOP);
        return t;
      }
      std::error_code ec;
      const fs::path link = fs::read_symlink(p, ec);
      if (ec) {
        error = ec.value();
        problem = ec.message();
        return t;
      }
      p = (link.is_absolute() ? link : fs::path(p).parent_path() / link).string();
      continue;
    }
    t.final = p;
    t.exists = true;
    t.st = st;
    if (S_ISDIR(st.st_mode)) {
      error = EISDIR;
      problem = "is a directory";
      return t;
    }
    t.direct = !S_ISREG(st.st_mode);
    const fs::path fp(p);
    t.name = fp.filename().string();
    t.dir = fp.has_parent_path() ? fp.parent_path().string() : ".";
    return t;
  }
}

/// A buffered output to a file descriptor that remembers the first errno.
class FdBuf : public std::streambuf {
 public:
  FdBuf() : buf_(std::size_t{1} << 16) { setp(buf_.data(), buf_.data() + buf_.size()); }
  void attach(int fd) { fd_ = fd; }
  int error() const { return error_; }
  /// Writes what is buffered; false (error() set) on failure.
  bool drain() {
    if (error_) return false;
    const std::size_t n = static_cast<std::size_t>(pptr() - pbase());
    setp(buf_.data(), buf_.data() + buf_.size());
    if (n) error_ = write_all(fd_, buf_.data(), n);
    return error_ == 0;
  }

 protected:
  int_type overflow(int_type c) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (error_) return 0;
    const auto room = epptr() - pptr();
    if (n <= room) {
      std::memcpy(pptr(), s, static_cast<std::size_t>(n));
      pbump(static_cast<int>(n));
      return n;
    }
    if (!drain()) return 0;
    if (n < static_cast<std::streamsize>(buf_.size())) {
      std::memcpy(pptr(), s, static_cast<std::size_t>(n));
      pbump(static_cast<int>(n));
      return n;
    }
    error_ = write_all(fd_, s, static_cast<std::size_t>(n));
    return error_ ? 0 : n;
  }
  int sync() override { return drain() ? 0 : -1; }

 private:
  std::vector<char> buf_;
  int fd_ = -1;
  int error_ = 0;
};

std::atomic<unsigned long> temp_serial{0};

/// FD moved above the standard descriptors: when 0, 1 or 2 is closed (`>&-`),
/// open() hands out that number, and a print to stdout would land in the file.
int above_std(int fd) {
  if (fd < 0 || fd > 2) return fd;
  const int high = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  const int e = errno;
  ::close(fd);  // the standard descriptor stays closed, as it was
  errno = e;
  return high;
}

}  // namespace

std::string output_path_problem(const std::string& path) {
  std::string problem;
  int error = 0;
  resolve(path, problem, error);
  return problem;
}

void check_output_path(const std::string& path, const std::string& option) {
  std::string problem;
  int error = 0;
  resolve(path, problem, error);
  if (!problem.empty()) throw WriteError(path, problem, error == 0 || path_errno(error), error, option);
}

struct AtomicFile::Impl {
  std::string path;
  Target target;
  WriteOptions options;
  std::string tmp;  // empty when writing in place
  int fd = -1;
  bool committed = false;
  FdBuf buf;
  std::ostream os{&buf};

  ~Impl() { discard(); }
  void discard() {
    if (fd >= 0) ::close(fd);
    fd = -1;
    if (!committed && !tmp.empty()) ::unlink(tmp.c_str());
    tmp.clear();
  }
  [[noreturn]] void fail(int error, const std::string& what = "") {
    discard();
    throw WriteError(path, what.empty() ? errno_text(error) : what, path_errno(error), error);
  }
};

AtomicFile::AtomicFile(const std::string& path, const WriteOptions& options) : impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  m.path = path;
  m.options = options;
  std::string problem;
  int error = 0;
  m.target = resolve(path, problem, error);
  if (!problem.empty()) throw WriteError(path, problem, error == 0 || path_errno(error), error);
  if (m.target.direct) {
    m.fd = above_std(::open(m.target.final.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY));
    if (m.fd < 0) m.fail(errno);
  } else {
    // a temporary name within NAME_MAX however long the target's name is
    const std::string stem = m.target.name.substr(0, 200);
    for (int attempt = 0; attempt < 100 && m.fd < 0; ++attempt) {
      const std::string name = fmt::format(".{}.tmp-{}-{}", stem, static_cast<long>(::getpid()), temp_serial++);
      m.tmp = (fs::path(m.target.dir) / name).string();
      m.fd = ::open(m.tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0666);
      if (m.fd < 0 && errno != EEXIST) break;
      if (m.fd >= 0 && (m.fd = above_std(m.fd)) < 0) {
        const int e = errno;
        ::unlink(m.tmp.c_str());
        errno = e;
        break;
      }
    }
    if (m.fd < 0) {
      const int e = errno;
      m.tmp.clear();  // nothing was created
      m.fail(e, fmt::format("cannot create a temporary file in '{}': {}", m.target.dir, errno_text(e)));
    }
    if (m.target.exists) {  // the replacement keeps the owner (where allowed) and the permissions
      if (m.target.st.st_uid != ::geteuid() || m.target.st.st_gid != ::getegid())
        (void)::fchown(m.fd, m.target.st.st_uid, m.target.st.st_gid);
      (void)::fchmod(m.fd, m.target.st.st_mode & 07777);  // after fchown, which may clear set-id bits
    }
  }
  m.buf.attach(m.fd);
}

AtomicFile::~AtomicFile() = default;

std::ostream& AtomicFile::stream() { return impl_->os; }

const std::string& AtomicFile::path() const { return impl_->path; }

void AtomicFile::write(std::string_view bytes) {
  auto& m = *impl_;
  if (m.committed || m.fd < 0) throw WriteError(m.path, "the file is already closed");
  m.buf.sputn(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (m.buf.error()) m.fail(m.buf.error());
}

void AtomicFile::commit() {
  auto& m = *impl_;
  if (m.committed) return;
  if (m.fd < 0) throw WriteError(m.path, "the file is already closed");
  if (!m.buf.drain()) m.fail(m.buf.error());
  if (m.os.bad()) m.fail(EIO);
  if (m.options.sync && !m.target.direct && ::fsync(m.fd) != 0) m.fail(errno);
  const int rc = ::close(m.fd);
  const int close_error = errno;
  m.fd = -1;
  if (rc != 0 && close_error != EINTR) m.fail(close_error);
  if (!m.target.direct) {
    if (::rename(m.tmp.c_str(), m.target.final.c_str()) != 0) {
      const int e = errno;
      m.fail(e, fmt::format("cannot rename the temporary file over it: {}", errno_text(e)));
    }
    m.committed = true;
    m.tmp.clear();
    if (m.options.sync) {  // make the rename durable too (best effort: not every file system syncs a folder)
      const int dfd = ::open(m.target.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd >= 0) {
        (void)::fsync(dfd);
        ::close(dfd);
      }
    }
  }
  m.committed = true;
}

void write_file_atomic(const std::string& path, std::string_view content, const WriteOptions& options) {
  AtomicFile f(path, options);
  f.write(content);
  f.commit();
}

// --- standard output ---------------------------------------------------------

namespace {

std::atomic<int> stdout_errno{0};
std::atomic<bool> stdout_bad{false};

void note(int error) {
  stdout_bad = true;
  int none = 0;
  if (error) stdout_errno.compare_exchange_strong(none, error);
}

/// std::cout's buffer: every byte goes to C's stdout (so fmt::print and
/// std::cout keep their order); a failure keeps its errno.
class StdoutBuf : public std::streambuf {
 protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    if (std::fputc(traits_type::to_char_type(c), stdout) == EOF) {
      note(errno);
      return traits_type::eof();
    }
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    const std::size_t w = std::fwrite(s, 1, static_cast<std::size_t>(n), stdout);
    if (w < static_cast<std::size_t>(n)) note(errno);
    return static_cast<std::streamsize>(w);
  }
  int sync() override {
    if (std::fflush(stdout) != 0) {
      note(errno);
      return -1;
    }
    return 0;
  }
};

/// The errno of a failure whose errno was lost (glibc drops it with the
/// buffer): descriptor 1 closed, or a pipe whose reader is gone.
int probe_stdout() {
  if (::fcntl(STDOUT_FILENO, F_GETFL) < 0) return EBADF;
  struct stat st {};
  if (::fstat(STDOUT_FILENO, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
    pollfd p{STDOUT_FILENO, POLLOUT, 0};
    if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP))) return EPIPE;
  }
  return 0;
}

}  // namespace

void begin_stdout() {
  static StdoutBuf* buf = new StdoutBuf;  // never destroyed: std::cout may be flushed at exit
  std::cout.rdbuf(buf);
}

void note_stdout_error(int error) { note(error); }

bool stdout_failed() { return stdout_bad || std::ferror(stdout) || std::cout.bad(); }

StdoutEnd finish_stdout() {
  std::cout.flush();
  errno = 0;
  if (std::fflush(stdout) != 0) note(errno);
  bool failed = stdout_failed();
  if (!failed) {
    // An error only the close would report (NFS, some FUSE file systems):
    // close a duplicate, descriptor 1 stays open. No duplicate (EBADF): fd 1
    // is closed and nothing was written to it, so nothing was lost.
    const int d = ::dup(STDOUT_FILENO);
    if (d >= 0 && ::close(d) != 0 && errno != EINTR) {
      note(errno);
      failed = true;
    }
  }
  StdoutEnd end;
  if (!failed) return end;
  end.error = stdout_errno ? stdout_errno.load() : probe_stdout();
  end.kind = end.error == EPIPE ? StdoutEnd::ClosedPipe : StdoutEnd::Failed;
  end.reason = errno_text(end.error);
  return end;
}

}  // namespace parallax::io
