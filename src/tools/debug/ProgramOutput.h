// ProgramOutput: keeps the debugged program off the protocol's streams.
// The protocol moves to duplicates of the process's stdin and stdout; fd 1
// and 2 become pipes whose bytes reader threads hand on (as DAP output
// events), and fd 0 reads /dev/null. So nothing the program (or a native
// library, or a child process) writes can corrupt the message stream.
#pragma once
#include <cstdio>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace langoost::debug {

class ProgramOutput {
  public:
    // `sink(category, bytes)`: category is "stdout" or "stderr"; called on reader threads.
    using Sink = std::function<void(const char* category, const std::string& bytes)>;
    // Redirects; false (with errno set) when a pipe or dup fails.
    bool start(Sink sink);
    // The protocol's streams (the original stdin and stdout).
    FILE* protocolIn() const { return in_; }
    FILE* protocolOut() const { return out_; }
    // Returns once every byte written to the pipes so far has been handed
    // to the sink (a stop event then follows the output before it).
    void sync();
    // Flushes stdio, closes the pipes' write ends and waits until the
    // readers have handed on everything written so far.
    void finish();

  private:
    void read(int fd, const char* category);

    Sink sink_;
    FILE* in_ = stdin;
    FILE* out_ = stdout;
    std::thread readers_[2];
    std::mutex mutex_;
    std::mutex handing_; // held by a reader from taking bytes out of its pipe until the sink has them
    int readFds_[2] = {-1, -1};
    std::condition_variable done_;
    int running_ = 0;
    bool started_ = false;
};

} // namespace langoost::debug
