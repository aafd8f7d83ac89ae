#include "tools/debug/DebugAdapter.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "tools/debug/DebugSession.h"
#include "tools/debug/ProgramOutput.h"
#include "tools/debug/VariablesView.h"
#include "tools/lsp/JsonRpc.h"

namespace langoost::debug {

using nlohmann::json;

namespace {

constexpr int kThreadId = 1;

class Adapter {
  public:
    explicit Adapter(DebugTarget target) : target_(std::move(target)) {}
    int run();

  private:
    // ---- the wire ----
    void send(json message);
    void event(const std::string& name, json body = json::object());
    void respond(const json& request, json body = json::object());
    void fail(const json& request, const std::string& message);
    void handle(const json& request);

    // ---- requests ----
    void initialize(const json& request);
    void launch(const json& request, const json& args);
    void setBreakpoints(const json& request, const json& args);
    void setExceptionBreakpoints(const json& request, const json& args);
    void configurationDone(const json& request);
    void resume(const json& request, StepKind kind);
    // Answers from the stopped program's thread; an error when it runs.
    void inspect(const json& request, const std::function<json(VM&, std::string& error)>& work);
    [[noreturn]] void quit(int status);

    void runProgram(std::vector<std::string> args);

    DebugTarget target_;
    ProgramOutput output_;
    std::unique_ptr<lsp::MessageStream> stream_;
    std::mutex sendMutex_;
    int seq_ = 1;
    std::shared_ptr<DebugSession> session_;
    VariablesView view_; // used only on the stopped program's thread
    std::shared_ptr<const CompiledModule> module_;
    std::vector<std::string> programArgs_;
    bool launched_ = false;
    std::atomic<bool> started_{false}, ended_{false};
};

void Adapter::send(json message) {
    std::lock_guard lock(sendMutex_);
    message["seq"] = seq_++;
    stream_->write(message.dump(-1, ' ', false, json::error_handler_t::replace));
}

void Adapter::event(const std::string& name, json body) {
    send({{"type", "event"}, {"event", name}, {"body", std::move(body)}});
}

void Adapter::respond(const json& request, json body) {
    send({{"type", "response"},
          {"request_seq", request.value("seq", 0)},
          {"success", true},
          {"command", request.value("command", "")},
          {"body", std::move(body)}});
}

void Adapter::fail(const json& request, const std::string& message) {
    int seq = request.is_object() && request.contains("seq") && request["seq"].is_number_integer() ? request["seq"].get<int>() : 0;
    std::string command = request.is_object() && request.contains("command") && request["command"].is_string()
                              ? request["command"].get<std::string>()
                              : "";
    send({{"type", "response"},
          {"request_seq", seq},
          {"success", false},
          {"command", command},
          {"message", message},
          {"body", {{"error", {{"id", 1}, {"format", message}}}}}});
}

int Adapter::run() {
    if (!output_.start([this](const char* category, const std::string& bytes) {
            event("output", {{"category", category}, {"output", bytes}});
        })) {
        std::perror("langoost debug: cannot redirect the program's output");
        return 1;
    }
    stream_ = std::make_unique<lsp::MessageStream>(output_.protocolIn(), output_.protocolOut());
    DebugSession::Listener listener{
        [this](const std::string& reason, const std::string& text) {
            output_.sync(); // the program's output so far comes before the stop
            json body = {{"reason", reason}, {"threadId", kThreadId}, {"allThreadsStopped", true}};
            if (!text.empty()) body["text"] = body["description"] = text;
            event("stopped", body);
        },
        [this](const PlacedBreakpoint& b) {
            event("breakpoint", {{"reason", "changed"}, {"breakpoint", {{"id", b.id}, {"verified", b.verified}, {"line", b.line}}}});
        },
        [this](const std::string& text) { event("output", {{"category", "console"}, {"output", text}}); }};
    session_ = std::make_shared<DebugSession>(listener, [this](VM& vm, const std::string& expression, std::string& error) {
        return view_.condition(vm, expression, error);
    });
    while (auto body = stream_->read()) {
        json request = json::parse(*body, nullptr, false);
        if (request.is_discarded()) {
            fail(json::object(), "malformed message: not JSON");
            continue;
        }
        if (!request.is_object() || request.value("type", "") != "request" || !request.contains("command") ||
            !request["command"].is_string()) {
            fail(request, "malformed message: not a request");
            continue;
        }
        try {
            handle(request);
        } catch (const json::exception& e) {
            fail(request, std::string("bad arguments: ") + e.what());
        }
    }
    quit(0); // the client closed the stream
}

void Adapter::quit(int status) {
    session_->detach();
    std::fflush(output_.protocolOut());
    std::_Exit(status);
}

void Adapter::handle(const json& request) {
    const std::string command = request["command"];
    const json args = request.contains("arguments") && request["arguments"].is_object() ? request["arguments"] : json::object();
    if (command == "initialize") return initialize(request);
    if (command == "launch") return launch(request, args);
    if (command == "attach") return fail(request, "attach is not supported: use launch");
    if (command == "setBreakpoints") return setBreakpoints(request, args);
    if (command == "setExceptionBreakpoints") return setExceptionBreakpoints(request, args);
    if (command == "configurationDone") return configurationDone(request);
    if (command == "threads") return respond(request, {{"threads", {{{"id", kThreadId}, {"name", "main"}}}}});
    if (command == "continue") return resume(request, StepKind::Continue);
    if (command == "next") return resume(request, StepKind::Over);
    if (command == "stepIn") return resume(request, StepKind::In);
    if (command == "stepOut") return resume(request, StepKind::Out);
    if (command == "pause") {
        session_->requestPause();
        return respond(request);
    }
    if (command == "stackTrace")
        return inspect(request, [this](VM& vm, std::string&) {
            json frames = view_.stackTrace(vm);
            return json{{"stackFrames", frames}, {"totalFrames", frames.size()}};
        });
    if (command == "scopes") {
        int frameId = args.at("frameId").get<int>();
        return inspect(request, [this, frameId](VM& vm, std::string&) { return json{{"scopes", view_.scopes(vm, frameId)}}; });
    }
    if (command == "variables") {
        int reference = args.at("variablesReference").get<int>();
        return inspect(request, [this, reference](VM& vm, std::string&) {
            return json{{"variables", view_.variables(vm, reference)}};
        });
    }
    if (command == "evaluate") {
        std::string expression = args.at("expression").get<std::string>();
        int frameId = args.value("frameId", 0);
        return inspect(request, [this, expression, frameId](VM& vm, std::string& error) {
            return view_.evaluate(vm, frameId, expression, error);
        });
    }
    if (command == "terminate" || command == "disconnect") {
        respond(request);
        if (command == "terminate" && !ended_) {
            event("exited", {{"exitCode", 0}});
            event("terminated");
        }
        quit(0);
    }
    fail(request, "unsupported request '" + command + "'");
}

void Adapter::initialize(const json& request) {
    respond(request, {{"supportsConfigurationDoneRequest", true},
                      {"supportsConditionalBreakpoints", true},
                      {"supportsEvaluateForHovers", true},
                      {"supportsTerminateRequest", true},
                      {"exceptionBreakpointFilters",
                       {{{"filter", "uncaught"}, {"label", "Uncaught Exceptions"}, {"default", true}},
                        {{"filter", "raised"}, {"label", "Raised Exceptions"}, {"default", false}}}}});
}

void Adapter::launch(const json& request, const json& args) {
    if (launched_) return fail(request, "the program was already launched");
    std::string program = args.value("program", target_.program);
    if (program.empty()) return fail(request, "launch needs a `program` (the .goost file to debug)");
    programArgs_ = target_.args;
    if (args.contains("args") && args["args"].is_array()) programArgs_ = args["args"].get<std::vector<std::string>>();
    if (args.contains("cwd") && args["cwd"].is_string() && !args["cwd"].get<std::string>().empty()) {
        std::error_code ec;
        std::filesystem::current_path(args["cwd"].get<std::string>(), ec);
        if (ec) return fail(request, "cannot change to the directory '" + args["cwd"].get<std::string>() + "': " + ec.message());
    }
    std::error_code ec;
    if (!std::filesystem::is_regular_file(program, ec)) return fail(request, "cannot read '" + program + "'");
    Diagnostics diags;
    module_ = target_.loader->loadEntry(program, diags);
    if (!module_) {
        event("output", {{"category", "stderr"}, {"output", diags.format(false)}});
        return fail(request, "the program does not compile (see the debug console)");
    }
    // The entry and its static imports: breakpoints land before the run.
    session_->addModule(module_);
    for (const auto& dependency : target_.loader->loadedModules()) session_->addModule(dependency);
    if (args.value("stopOnEntry", false)) session_->stopOnEntry();
    launched_ = true;
    respond(request);
    event("initialized");
}

void Adapter::setBreakpoints(const json& request, const json& args) {
    const json& source = args.at("source");
    std::string path = source.value("path", "");
    if (path.empty()) return fail(request, "setBreakpoints needs source.path");
    std::error_code ec;
    std::filesystem::path canonical = std::filesystem::weakly_canonical(path, ec);
    std::vector<BreakpointRequest> requests;
    if (args.contains("breakpoints") && args["breakpoints"].is_array()) {
        for (const json& b : args["breakpoints"])
            requests.push_back({b.at("line").get<uint32_t>(), b.value("condition", "")});
    } else if (args.contains("lines") && args["lines"].is_array()) {
        for (const json& line : args["lines"]) requests.push_back({line.get<uint32_t>(), ""});
    }
    json out = json::array();
    for (const PlacedBreakpoint& b : session_->setBreakpoints(ec ? path : canonical.string(), requests)) {
        json entry = {{"id", b.id}, {"verified", b.verified}, {"line", b.line}, {"source", {{"path", path}}}};
        if (!b.message.empty()) entry["message"] = b.message;
        out.push_back(entry);
    }
    respond(request, {{"breakpoints", out}});
}

void Adapter::setExceptionBreakpoints(const json& request, const json& args) {
    bool uncaught = false, raised = false;
    if (args.contains("filters") && args["filters"].is_array())
        for (const json& f : args["filters"]) {
            if (!f.is_string()) continue;
            uncaught |= f == "uncaught";
            raised |= f == "raised";
        }
    session_->setExceptionFilters(uncaught, raised);
    respond(request);
}

void Adapter::configurationDone(const json& request) {
    respond(request);
    if (!launched_ || started_.exchange(true)) return;
    std::thread([this] { runProgram(programArgs_); }).detach();
}

void Adapter::resume(const json& request, StepKind kind) {
    session_->inspect([this](VM& vm) { view_.release(vm); });
    respond(request, kind == StepKind::Continue ? json{{"allThreadsContinued", true}} : json::object());
    session_->resume(kind);
}

void Adapter::inspect(const json& request, const std::function<json(VM&, std::string&)>& work) {
    json body;
    std::string error;
    if (!session_->inspect([&](VM& vm) { body = work(vm, error); })) return fail(request, "the program is running");
    if (!error.empty()) return fail(request, error);
    respond(request, body);
}

void Adapter::runProgram(std::vector<std::string> args) {
    RuntimeConfig config = target_.runtime(std::move(args));
    config.traps = session_;
    config.unbufferedOutput = true;
    // Leaked on purpose: threads of the program may still run when it ends
    // (the process ends with the session, as `langoost run` ends with main).
    VM* vm = new VM(config);
    int status = 0;
    try {
        vm->runMain(module_);
    } catch (ScriptThrow&) {
        vm->flush();
        std::fputs(vm->describeUncaught(false).c_str(), stderr);
        status = 1;
    } catch (ExitRequest& e) {
        status = e.code;
    } catch (Terminated& t) {
        vm->flush();
        std::fprintf(stderr, "terminated: %s\n", t.message.c_str());
        status = 1;
    } catch (std::bad_alloc&) {
        std::fputs("fatal: out of memory\n", stderr);
        status = 1;
    }
    vm->flush();
    output_.finish();
    ended_ = true;
    event("exited", {{"exitCode", status}});
    event("terminated");
}

} // namespace

int runDebugAdapter(DebugTarget target) {
    // Leaked on purpose: the session ends with std::_Exit, threads running.
    auto* adapter = new Adapter(std::move(target));
    return adapter->run();
}

} // namespace langoost::debug
