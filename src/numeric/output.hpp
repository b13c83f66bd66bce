#pragma once
// Every file Parallax writes goes through here, and so does the end of its
// standard output: a write that fails is an error that names the file, never
// a silent loss with exit 0.
//
// Files are written atomically: the bytes go to a temporary file in the
// target's own folder (".NAME.tmp-PID-K"), which is flushed, closed and then
// renamed over the target; a failure at any step removes the temporary file
// and leaves whatever was at the target untouched, so no half-written file is
// ever seen under the final name. A target that exists and is not a regular
// file (/dev/null, /dev/full, /dev/stdout, a named pipe) is written in place:
// renaming over a device would replace it. A symbolic link is followed and its
// target replaced (the link stays). A file replaced keeps its permission bits;
// the rename gives it a new inode (hard links to the old file keep the old
// bytes).
//
// Standard output: std::cout and fmt::print both write through C's stdout;
// begin_stdout() makes std::cout's failures keep their errno, and
// finish_stdout() flushes at the end of a command and says whether anything
// was lost. A reader that closed the pipe early (`parallax … | head -1`) is
// not an error to report: with the default SIGPIPE the process simply ends,
// and where SIGPIPE is ignored the write fails with EPIPE, which the CLI
// treats the same way: no message, exit status 1 (the output is incomplete,
// as the shell's 141 says for a process SIGPIPE ended).
#include <cstdio>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace parallax::io {

/// A write that failed. what() is "cannot write PATH: REASON" (after "OPTION: "
/// when the option that named the path is known); PATH is "standard output"
/// for stdout. bad_path: the path itself is bad input (a
/// directory, a missing folder, an empty name): the CLI exits 2 for those
/// and 1 for every other failure (a full disk, an I/O error, a file-size limit).
struct WriteError : std::runtime_error {
  std::string path;    ///< the file, or "standard output"
  std::string reason;  ///< strerror text or a description
  bool bad_path = false;
  int error = 0;  ///< errno, 0 when none applies
  WriteError(std::string path, std::string reason, bool bad_path = false, int error = 0,
             const std::string& option = "");
};

/// What a write may ask for beyond atomicity.
struct WriteOptions {
  bool sync = false;  ///< fsync the file before the rename and the folder after it (durable across a crash)
};

/// Why PATH cannot be written as a file, as far as can be told before
/// writing (an empty name, an existing directory, a missing or non-folder
/// parent, a name too long); empty when it looks writable. Creates nothing.
std::string output_path_problem(const std::string& path);

/// Throws WriteError (bad_path; its message starts with OPTION when given)
/// when output_path_problem(path) is not empty. Commands call it before their
/// work, so that a typo in an output option is refused at once (exit 2)
/// instead of after an hour's computation, and before a store is touched.
void check_output_path(const std::string& path, const std::string& option = "");

/// Writes CONTENT to PATH atomically (see above). Throws WriteError.
void write_file_atomic(const std::string& path, std::string_view content, const WriteOptions& options = {});

/// The streaming form: writes go to the temporary file (through stream() or
/// write()), commit() puts it in place. Destroyed without commit() (an
/// exception on the way), it removes the temporary file.
class AtomicFile {
 public:
  /// Creates the temporary file (or opens a non-regular target). Throws WriteError.
  explicit AtomicFile(const std::string& path, const WriteOptions& options = {});
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ostream& stream();
  /// Appends bytes. Throws WriteError at once when the file cannot take them.
  void write(std::string_view bytes);
  /// Flushes, closes and renames over the target. Throws WriteError; after a
  /// failure the temporary file is gone and the target unchanged.
  void commit();
  /// The path as given.
  const std::string& path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// --- standard output ---------------------------------------------------------

/// Routes std::cout through a buffer of its own that writes to C's stdout (so
/// the order with fmt::print is kept) and remembers the errno of a failure.
/// Call once at the start of main.
void begin_stdout();

/// Records a failure of stdout seen elsewhere (fmt::print throws
/// std::system_error with the errno when it cannot write).
void note_stdout_error(int error);

/// True once a write to standard output has failed.
bool stdout_failed();

/// How standard output ended.
struct StdoutEnd {
  enum Kind { Ok, ClosedPipe, Failed } kind = Ok;
  int error = 0;       ///< errno, 0 when unknown
  std::string reason;  ///< strerror text ("write error" when unknown)
};

/// Flushes std::cout and stdout and checks every failure since the start:
/// Ok, ClosedPipe (EPIPE: the reader went away) or Failed. Also reports an
/// error that only the closing of the file would show (NFS, some FUSE
/// systems), by closing a duplicate of descriptor 1, which stays open.
StdoutEnd finish_stdout();

}  // namespace parallax::io
