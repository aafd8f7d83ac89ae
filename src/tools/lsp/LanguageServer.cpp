#include "tools/lsp/LanguageServer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include "format/Formatter.h"
#include "tools/lsp/JsonRpc.h"
#include "tools/lsp/Workspace.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace langoost::lsp {

namespace {

// LSP kinds used below.
namespace CompletionKind {
constexpr int Method = 2, Function = 3, Field = 5, Variable = 6, Class = 7, Interface = 8, Module = 9, Keyword = 14;
}
namespace LspSymbolKind {
constexpr int Module = 2, Class = 5, Method = 6, Field = 8, Interface = 11, Function = 12, Variable = 13;
}

const char* const kKeywords[] = {"let",   "fn",    "return", "if",        "else",    "while", "for",  "in",
                                 "break", "continue", "try", "catch",     "throw",   "class", "interface",
                                 "extends", "is",  "import", "from",      "true",    "false", "nil",  "self",
                                 "type",  "int",   "float",  "string",    "bool"};

struct RequestError {
    int code;
    std::string message;
};
constexpr int kInvalidParams = -32602;
constexpr int kMethodNotFound = -32601;
constexpr int kRequestFailed = -32803;

// ---- positions: LSP counts UTF-16 units from 0, the parser bytes from 1 ----

std::string uriToPath(const std::string& uri) {
    std::string path = uri.starts_with("file://") ? uri.substr(7) : uri;
    std::string out;
    for (size_t i = 0; i < path.size(); ++i) {
        if (path[i] == '%' && i + 2 < path.size() && std::isxdigit(static_cast<unsigned char>(path[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(path[i + 2])) && path.compare(i, 3, "%00") != 0) {
            out += char(std::stoi(path.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += path[i];
        }
    }
    return out;
}

std::string pathToUri(const fs::path& path) {
    static const char* hex = "0123456789ABCDEF";
    std::string out = "file://";
    for (unsigned char c : path.string()) {
        if (std::isalnum(c) || std::strchr("/-._~", c)) {
            out += char(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

uint32_t utf16Units(std::string_view bytes) {
    uint32_t n = 0;
    for (size_t i = 0; i < bytes.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(bytes[i]);
        if ((c & 0xC0) == 0x80) continue;
        n += c >= 0xF0 ? 2 : 1;
    }
    return n;
}

json lspPosition(const SourceFile& file, SourceLocation at) {
    if (at.line == 0) return {{"line", 0}, {"character", 0}};
    std::string_view text = file.lineText(at.line);
    size_t bytes = std::min<size_t>(at.column ? at.column - 1 : 0, text.size());
    return {{"line", at.line - 1}, {"character", utf16Units(text.substr(0, bytes))}};
}

json lspRange(const SourceFile& file, SourceLocation at, size_t length) {
    return {{"start", lspPosition(file, at)}, {"end", lspPosition(file, {at.line, at.column + uint32_t(length)})}};
}

SourceLocation sourceLocation(const SourceFile& file, const json& position) {
    uint32_t line = position.at("line").get<uint32_t>() + 1;
    uint32_t units = position.at("character").get<uint32_t>();
    std::string_view text = file.lineText(line);
    size_t i = 0;
    for (uint32_t seen = 0; i < text.size() && seen < units; ++i) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if ((c & 0xC0) == 0x80) continue;
        seen += c >= 0xF0 ? 2 : 1;
    }
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
    return {line, uint32_t(i + 1)};
}

bool isNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

class Server {
  public:
    Server(std::shared_ptr<ModuleLoader> loader, FILE* in, FILE* out) : workspace_(std::move(loader)), stream_(in, out) {}

    int run() {
        while (auto body = stream_.read()) {
            json message;
            try {
                message = json::parse(*body);
            } catch (const json::exception&) {
                send({{"jsonrpc", "2.0"}, {"id", nullptr}, {"error", {{"code", -32700}, {"message", "parse error"}}}});
                continue;
            }
            if (!message.is_object() || !message.contains("method")) continue; // a response to nothing we asked
            std::string method = message.value("method", "");
            json params = message.value("params", json::object());
            bool isRequest = message.contains("id");
            if (method == "exit") return shutdown_ ? 0 : 1;
            try {
                json result = handle(method, params, isRequest);
                if (isRequest) send({{"jsonrpc", "2.0"}, {"id", message["id"]}, {"result", result}});
            } catch (const RequestError& e) {
                if (isRequest)
                    send({{"jsonrpc", "2.0"}, {"id", message["id"]}, {"error", {{"code", e.code}, {"message", e.message}}}});
            } catch (const json::exception& e) {
                if (isRequest)
                    send({{"jsonrpc", "2.0"},
                          {"id", message["id"]},
                          {"error", {{"code", kInvalidParams}, {"message", std::string("invalid params: ") + e.what()}}}});
            }
        }
        return shutdown_ ? 0 : 1;
    }

  private:
    Workspace workspace_;
    MessageStream stream_;
    bool shutdown_ = false;
    std::optional<fs::path> root_;
    bool folderLoaded_ = false;

    void send(const json& message) { stream_.write(message.dump(-1, ' ', false, json::error_handler_t::replace)); }

    json handle(const std::string& method, const json& params, bool isRequest) {
        if (method == "initialize") return initialize(params);
        if (method == "shutdown") {
            shutdown_ = true;
            return nullptr;
        }
        if (method == "textDocument/didOpen") {
            const json& td = params.at("textDocument");
            publish(workspace_.open(pathOf(td), td.at("text").get<std::string>()));
            return nullptr;
        }
        if (method == "textDocument/didChange") {
            const auto& changes = params.at("contentChanges");
            if (!changes.empty()) publish(workspace_.open(pathOf(params.at("textDocument")), changes.back().at("text").get<std::string>()));
            return nullptr;
        }
        if (method == "textDocument/didClose") {
            fs::path path = pathOf(params.at("textDocument"));
            workspace_.close(path);
            send({{"jsonrpc", "2.0"},
                  {"method", "textDocument/publishDiagnostics"},
                  {"params", {{"uri", pathToUri(path)}, {"diagnostics", json::array()}}}});
            return nullptr;
        }
        if (method == "textDocument/hover") return hover(params);
        if (method == "textDocument/definition") return definition(params);
        if (method == "textDocument/references") return references(params);
        if (method == "textDocument/completion") return completion(params);
        if (method == "textDocument/documentSymbol") return documentSymbols(params);
        if (method == "textDocument/formatting") return formatting(params);
        if (method == "textDocument/prepareRename") return prepareRename(params);
        if (method == "textDocument/rename") return rename(params);
        if (isRequest && !method.starts_with("$/")) throw RequestError{kMethodNotFound, "unsupported method " + method};
        return nullptr;
    }

    json initialize(const json& params) {
        if (params.contains("rootUri") && params["rootUri"].is_string()) root_ = fs::path(uriToPath(params["rootUri"]));
        return {{"capabilities",
                 {{"textDocumentSync", {{"openClose", true}, {"change", 1}}},
                  {"hoverProvider", true},
                  {"definitionProvider", true},
                  {"referencesProvider", true},
                  {"completionProvider", {{"triggerCharacters", {"."}}}},
                  {"documentSymbolProvider", true},
                  {"documentFormattingProvider", true},
                  {"renameProvider", {{"prepareProvider", true}}}}},
                {"serverInfo", {{"name", "langoost"}}}};
    }

    static fs::path pathOf(const json& textDocument) {
        std::error_code ec;
        fs::path p = uriToPath(textDocument.at("uri").get<std::string>());
        fs::path canonical = fs::weakly_canonical(p, ec);
        return ec ? p.lexically_normal() : canonical;
    }

    Document& document(const json& params) {
        Document* doc = workspace_.get(pathOf(params.at("textDocument")));
        if (!doc || !doc->analysis) throw RequestError{kRequestFailed, "unknown document"};
        return *doc;
    }

    void publish(Document& doc) {
        json list = json::array();
        for (const Diagnostic& d : workspace_.diagnose(doc)) {
            std::string_view line = doc.file->lineText(d.location.line);
            size_t start = d.location.column ? d.location.column - 1 : 0, end = start;
            while (end < line.size() && isNameChar(line[end])) ++end;
            size_t length = std::max<size_t>(end - start, 1);
            list.push_back({{"range", lspRange(*doc.file, d.location, length)},
                            {"severity", 1},
                            {"source", "langoost"},
                            {"message", d.message}});
        }
        send({{"jsonrpc", "2.0"},
              {"method", "textDocument/publishDiagnostics"},
              {"params", {{"uri", pathToUri(doc.path)}, {"diagnostics", list}}}});
    }

    // ---- where a name leads ----

    struct Target {
        Document* doc = nullptr;
        int symbol = -1;
        const NativeModuleInfo* native = nullptr; // a member of a standard module
        std::string member;
    };

    // The declaration a symbol stands for, following imports to the file that declares it.
    Target follow(Document& doc, int symbol, int depth = 0) {
        const Symbol& s = doc.analysis->symbols()[size_t(symbol)];
        if (s.kind == SymbolKind::Import && !s.importName.empty() && depth < 8) {
            ImportTarget t = workspace_.resolve(doc, s.importSpec);
            if (t.document) {
                int there = t.document->analysis->topLevel(s.importName);
                if (there >= 0) return follow(*t.document, there, depth + 1);
            }
            if (t.native) return {nullptr, -1, t.native, s.importName};
        }
        return {&doc, symbol};
    }

    Target targetAt(Document& doc, const json& params) {
        SourceLocation at = sourceLocation(*doc.file, params.at("position"));
        const Reference* ref = nullptr;
        int symbol = doc.analysis->symbolAt(at, &ref);
        if (symbol >= 0) return follow(doc, symbol);
        if (ref && ref->ofClass) return classMember(doc, ref->viaImport, ref->member);
        if (ref && ref->viaImport >= 0) {
            ImportTarget t = workspace_.resolve(doc, doc.analysis->symbols()[size_t(ref->viaImport)].importSpec);
            if (t.document) {
                int there = t.document->analysis->topLevel(ref->member);
                if (there >= 0) return follow(*t.document, there);
            }
            if (t.native) return {nullptr, -1, t.native, ref->member};
        }
        return {};
    }

    // `member` of the class an Import symbol brings in.
    Target classMember(Document& doc, int importSymbol, const std::string& member) {
        Target klass = follow(doc, importSymbol);
        if (!klass.doc || klass.doc->analysis->symbols()[size_t(klass.symbol)].kind != SymbolKind::Class) return {};
        for (int m : klass.doc->analysis->membersOf(klass.symbol))
            if (klass.doc->analysis->symbols()[size_t(m)].name == member) return {klass.doc, m};
        return {};
    }

    json location(Document& doc, SourceLocation at, size_t length) {
        return {{"uri", pathToUri(doc.path)}, {"range", lspRange(*doc.file, at, length)}};
    }

    json hover(const json& params) {
        Document& doc = document(params);
        Target t = targetAt(doc, params);
        std::string text;
        if (t.native) {
            text = "```goost\n" + t.native->name + "." + t.member + "\n```\nstandard library module `" + t.native->name + "`";
        } else if (t.doc) {
            const Symbol& s = t.doc->analysis->symbols()[size_t(t.symbol)];
            std::string kind = s.kind == SymbolKind::Local ? "(local) " : s.kind == SymbolKind::Global ? "(global) " : "";
            text = "```goost\n" + kind + s.detail + "\n```";
            if (t.doc != &doc) text += "\nfrom `" + t.doc->path.filename().string() + "`";
            if (!s.doc.empty()) text += "\n\n" + s.doc;
        } else {
            return nullptr;
        }
        return {{"contents", {{"kind", "markdown"}, {"value", text}}}};
    }

    json definition(const json& params) {
        Document& doc = document(params);
        Target t = targetAt(doc, params);
        if (!t.doc) return nullptr;
        const Symbol& s = t.doc->analysis->symbols()[size_t(t.symbol)];
        return location(*t.doc, s.at, s.name.size());
    }

    json references(const json& params) {
        Document& doc = document(params);
        Target t = targetAt(doc, params);
        if (!t.doc) return json::array();
        const Symbol& target = t.doc->analysis->symbols()[size_t(t.symbol)];
        bool includeDecl = params.value("/context/includeDeclaration"_json_pointer, true);
        json out = json::array();
        auto add = [&](Document& d, SourceLocation at, size_t length) { out.push_back(location(d, at, length)); };
        if (includeDecl) add(*t.doc, target.at, target.name.size());
        for (const Reference& r : t.doc->analysis->references())
            if (r.symbol == t.symbol) add(*t.doc, r.at, r.length);
        // Other files: names imported from the target's file, and module.member uses.
        if (target.topLevel()) {
            if (root_ && !folderLoaded_) {
                workspace_.loadFolder(*root_);
                folderLoaded_ = true;
            }
            for (Document* other : workspace_.documents()) {
                if (other == t.doc) continue;
                const auto& syms = other->analysis->symbols();
                for (size_t i = 0; i < syms.size(); ++i) {
                    if (syms[i].kind != SymbolKind::Import || !syms[i].topLevel()) continue;
                    ImportTarget it = workspace_.resolve(*other, syms[i].importSpec);
                    if (it.document != t.doc) continue;
                    if (syms[i].importName == target.name) {
                        if (includeDecl) add(*other, syms[i].at, syms[i].name.size());
                        for (const Reference& r : other->analysis->references())
                            if (r.symbol == int(i)) add(*other, r.at, r.length);
                    } else if (syms[i].importName.empty()) {
                        for (const Reference& r : other->analysis->references())
                            if (r.viaImport == int(i) && r.member == target.name) add(*other, r.at, r.length);
                    }
                }
            }
        }
        return out;
    }

    // ---- completion ----

    static json item(const std::string& label, int kind, const std::string& detail = "") {
        json j = {{"label", label}, {"kind", kind}};
        if (!detail.empty()) j["detail"] = detail;
        return j;
    }

    static int completionKind(SymbolKind k) {
        switch (k) {
        case SymbolKind::Function: return CompletionKind::Function;
        case SymbolKind::Method: return CompletionKind::Method;
        case SymbolKind::Field: return CompletionKind::Field;
        case SymbolKind::Class: return CompletionKind::Class;
        case SymbolKind::Interface: return CompletionKind::Interface;
        case SymbolKind::Import: return CompletionKind::Module;
        default: return CompletionKind::Variable;
        }
    }

    json completion(const json& params) {
        Document& doc = document(params);
        SourceLocation at = sourceLocation(*doc.file, params.at("position"));
        std::string_view line = doc.file->lineText(at.line);
        size_t end = std::min<size_t>(at.column - 1, line.size());
        size_t start = end;
        while (start > 0 && isNameChar(line[start - 1])) --start;
        json items = json::array();
        if (start > 0 && line[start - 1] == '.') {
            size_t receiverEnd = start - 1, receiverStart = receiverEnd;
            while (receiverStart > 0 && isNameChar(line[receiverStart - 1])) --receiverStart;
            bool chained = receiverStart > 0 && line[receiverStart - 1] == '.';
            std::string receiver(line.substr(receiverStart, receiverEnd - receiverStart));
            if (!receiver.empty() && !chained) members(doc, receiver, at, items);
            return {{"isIncomplete", false}, {"items", items}};
        }
        for (int i : doc.analysis->visibleAt(at)) {
            const Symbol& s = doc.analysis->symbols()[size_t(i)];
            items.push_back(item(s.name, completionKind(s.kind), s.detail));
        }
        for (const auto& b : workspace_.builtins()) items.push_back(item(b, CompletionKind::Function, "builtin"));
        for (const char* k : kKeywords) items.push_back(item(k, CompletionKind::Keyword));
        return {{"isIncomplete", false}, {"items", items}};
    }

    void members(Document& doc, const std::string& receiver, SourceLocation at, json& items) {
        const Analysis& a = *doc.analysis;
        int klass = a.classOfName(receiver, at);
        if (klass >= 0) {
            for (int m : a.membersOf(klass)) {
                const Symbol& s = a.symbols()[size_t(m)];
                items.push_back(item(s.name, completionKind(s.kind), s.detail));
            }
            return;
        }
        for (int i : a.visibleAt(at)) {
            const Symbol& s = a.symbols()[size_t(i)];
            if (s.name != receiver) continue;
            if (s.classImport >= 0) {
                Target imported = follow(doc, s.classImport);
                if (imported.doc && imported.doc->analysis->symbols()[size_t(imported.symbol)].kind == SymbolKind::Class)
                    for (int m : imported.doc->analysis->membersOf(imported.symbol)) {
                        const Symbol& ms = imported.doc->analysis->symbols()[size_t(m)];
                        items.push_back(item(ms.name, completionKind(ms.kind), ms.detail));
                    }
                return;
            }
            if (s.kind != SymbolKind::Import || !s.importName.empty()) return;
            ImportTarget t = workspace_.resolve(doc, s.importSpec);
            if (t.native)
                for (const auto& e : t.native->exports) items.push_back(item(e, CompletionKind::Function, t.native->name + "." + e));
            if (t.document)
                for (int m : t.document->analysis->scopes()[0].symbols) {
                    const Symbol& ms = t.document->analysis->symbols()[size_t(m)];
                    if (ms.kind != SymbolKind::Import) items.push_back(item(ms.name, completionKind(ms.kind), ms.detail));
                }
            return;
        }
    }

    // ---- symbols, formatting, rename ----

    json documentSymbols(const json& params) {
        Document& doc = document(params);
        const Analysis& a = *doc.analysis;
        auto symbolJson = [&](int i, int kind) {
            const Symbol& s = a.symbols()[size_t(i)];
            json name = lspRange(*doc.file, s.at, s.name.size());
            json range = s.end.line ? json{{"start", name["start"]}, {"end", lspPosition(*doc.file, {s.end.line, s.end.column + 1})}}
                                    : name;
            return json{{"name", s.name}, {"detail", s.detail}, {"kind", kind}, {"range", range}, {"selectionRange", name}};
        };
        json out = json::array();
        for (int i : a.scopes()[0].symbols) {
            const Symbol& s = a.symbols()[size_t(i)];
            int kind = s.kind == SymbolKind::Function    ? LspSymbolKind::Function
                       : s.kind == SymbolKind::Class     ? LspSymbolKind::Class
                       : s.kind == SymbolKind::Interface ? LspSymbolKind::Interface
                       : s.kind == SymbolKind::Import    ? LspSymbolKind::Module
                                                         : LspSymbolKind::Variable;
            json sym = symbolJson(i, kind);
            if (s.kind == SymbolKind::Class) {
                json children = json::array();
                for (size_t m = 0; m < a.symbols().size(); ++m)
                    if (a.symbols()[m].owner == i)
                        children.push_back(symbolJson(int(m), a.symbols()[m].kind == SymbolKind::Method ? LspSymbolKind::Method
                                                                                                       : LspSymbolKind::Field));
                sym["children"] = children;
            }
            out.push_back(sym);
        }
        return out;
    }

    json formatting(const json& params) {
        Document& doc = document(params);
        Diagnostics diags;
        std::optional<std::string> formatted = formatSource(*doc.file, diags);
        if (!formatted) throw RequestError{kRequestFailed, "cannot format a file with syntax errors"};
        if (*formatted == doc.file->text()) return json::array();
        uint32_t lines = uint32_t(std::count(doc.file->text().begin(), doc.file->text().end(), '\n'));
        json range = {{"start", {{"line", 0}, {"character", 0}}}, {"end", {{"line", lines + 1}, {"character", 0}}}};
        return json::array({{{"range", range}, {"newText", *formatted}}});
    }

    // The local or parameter under the cursor, for rename.
    int renameable(Document& doc, const json& params) {
        SourceLocation at = sourceLocation(*doc.file, params.at("position"));
        int symbol = doc.analysis->symbolAt(at);
        if (symbol < 0) throw RequestError{kRequestFailed, "no name here"};
        SymbolKind k = doc.analysis->symbols()[size_t(symbol)].kind;
        if (doc.analysis->symbols()[size_t(symbol)].topLevel() || k == SymbolKind::Method || k == SymbolKind::Field)
            throw RequestError{kRequestFailed, "only local variables, parameters and local functions can be renamed"};
        return symbol;
    }

    json prepareRename(const json& params) {
        Document& doc = document(params);
        int symbol = renameable(doc, params);
        SourceLocation at = sourceLocation(*doc.file, params.at("position"));
        const Reference* ref = nullptr;
        doc.analysis->symbolAt(at, &ref);
        const Symbol& s = doc.analysis->symbols()[size_t(symbol)];
        return ref ? lspRange(*doc.file, ref->at, ref->length) : lspRange(*doc.file, s.at, s.name.size());
    }

    json rename(const json& params) {
        Document& doc = document(params);
        int symbol = renameable(doc, params);
        std::string newName = params.at("newName").get<std::string>();
        bool valid = !newName.empty() && !std::isdigit(static_cast<unsigned char>(newName[0])) &&
                     std::all_of(newName.begin(), newName.end(), isNameChar) &&
                     std::find(std::begin(kKeywords), std::end(kKeywords), newName) == std::end(kKeywords);
        if (!valid) throw RequestError{kInvalidParams, "'" + newName + "' is not a valid name"};
        const Symbol& s = doc.analysis->symbols()[size_t(symbol)];
        json edits = json::array({{{"range", lspRange(*doc.file, s.at, s.name.size())}, {"newText", newName}}});
        for (const Reference& r : doc.analysis->references())
            if (r.symbol == symbol) edits.push_back({{"range", lspRange(*doc.file, r.at, r.length)}, {"newText", newName}});
        return {{"changes", {{pathToUri(doc.path), edits}}}};
    }
};

} // namespace

int runLanguageServer(std::shared_ptr<ModuleLoader> loader, FILE* in, FILE* out) {
    return Server(std::move(loader), in, out).run();
}

} // namespace langoost::lsp
