// Drives `langoost debug` with @vscode/debugadapter-testsupport, the
// client VS Code's own debug adapters are tested with: breakpoints in two
// modules (one conditional), stepping in/over/out, scopes and variables,
// evaluate, an uncaught-exception stop, pausing a busy loop, exit(),
// program output as output events, and malformed messages.
//
//     node debug_test.js PATH/TO/langoost
'use strict';
const assert = require('assert');
const cp = require('child_process');
const path = require('path');
const { DebugClient } = require('@vscode/debugadapter-testsupport');

const langoost = path.resolve(process.argv[2]);
const project = path.join(__dirname, 'project');
const MAIN = path.join(project, 'main.goost');
const SHAPES = path.join(project, 'shapes.goost');

async function session(args, configure) {
    const dc = new DebugClient(langoost, 'debug', 'langoost', { cwd: project });
    dc.defaultTimeout = 10000;
    await dc.start();
    const output = { stdout: '', stderr: '' };
    dc.on('output', (e) => {
        if (e.body.category in output) output[e.body.category] += e.body.output;
    });
    // Events are queued as they come: one may arrive before the test waits for it.
    const queues = {};
    for (const name of ['stopped', 'exited', 'terminated']) {
        queues[name] = { events: [], waiters: [] };
        dc.on(name, (e) => {
            const q = queues[name];
            if (q.waiters.length) q.waiters.shift()(e);
            else q.events.push(e);
        });
    }
    dc.next = (name) => {
        const q = queues[name];
        if (q.events.length) return Promise.resolve(q.events.shift());
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no '${name}' event after 10 s`)), 10000);
            q.waiters.push((e) => {
                clearTimeout(timer);
                resolve(e);
            });
        });
    };
    const initialized = dc.waitForEvent('initialized');
    const init = await dc.initializeRequest();
    assert.ok(init.body.supportsConfigurationDoneRequest);
    assert.ok(init.body.supportsConditionalBreakpoints);
    await dc.launchRequest({ program: MAIN, args, cwd: project, ...(configure.launch || {}) });
    await initialized;
    if (configure.breakpoints) await configure.breakpoints(dc);
    await dc.setExceptionBreakpointsRequest({ filters: configure.filters || ['uncaught'] });
    await dc.configurationDoneRequest();
    return { dc, output };
}

// Waits for `text` in the program's stdout as collected since launch
// (dc.assertOutput only sees output that arrives after it is called, and
// the program may print before the test gets there).
async function stdoutContains(output, text) {
    const deadline = Date.now() + 10000;
    while (!output.stdout.includes(text)) {
        if (Date.now() > deadline) throw new Error(`no ${JSON.stringify(text)} in stdout after 10 s: ${JSON.stringify(output.stdout)}`);
        await new Promise((r) => setTimeout(r, 20));
    }
}

async function stoppedAt(dc, reason, file, line) {
    const event = await dc.next('stopped');
    assert.strictEqual(event.body.reason, reason, 'stop reason');
    const trace = await dc.stackTraceRequest({ threadId: event.body.threadId });
    const top = trace.body.stackFrames[0];
    if (file) assert.strictEqual(top.source.path, file, 'stopped in file');
    if (line) assert.strictEqual(top.line, line, `stopped at line (in ${top.name})`);
    return { event, frames: trace.body.stackFrames };
}

async function variablesOf(dc, reference) {
    const r = await dc.variablesRequest({ variablesReference: reference });
    return Object.fromEntries(r.body.variables.map((v) => [v.name, v]));
}

async function scopeVariables(dc, frameId, name) {
    const scopes = (await dc.scopesRequest({ frameId })).body.scopes;
    const scope = scopes.find((s) => s.name === name);
    assert.ok(scope, `scope ${name} in ${scopes.map((s) => s.name)}`);
    return variablesOf(dc, scope.variablesReference);
}

async function evaluate(dc, frameId, expression) {
    return (await dc.evaluateRequest({ expression, frameId, context: 'watch' })).body.result;
}

async function exited(dc) {
    const [e] = await Promise.all([dc.next('exited'), dc.next('terminated')]);
    return e.body.exitCode;
}

async function testBreakpointsSteppingVariables() {
    const { dc, output } = await session([], {
        breakpoints: async (dc) => {
            const main = await dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [{ line: 26 }, { line: 4 }] });
            assert.deepStrictEqual(main.body.breakpoints.map((b) => [b.verified, b.line]), [[true, 26], [true, 5]],
                                   'line 4 is blank: the breakpoint moves to the next line with code');
            const shapes = await dc.setBreakpointsRequest({
                source: { path: SHAPES },
                breakpoints: [{ line: 10 }, { line: 17, condition: 'count == 3' }],
            });
            assert.deepStrictEqual(shapes.body.breakpoints.map((b) => b.verified), [true, true]);
            // Replacing a file's breakpoints drops the old ones: main keeps only line 26.
            await dc.setBreakpointsRequest({ source: { path: MAIN }, breakpoints: [{ line: 26 }] });
        },
    });
    let { frames } = await stoppedAt(dc, 'breakpoint', MAIN, 26);
    assert.strictEqual(output.stdout, 'mode plain\n', 'output before the stop came as an output event');

    const threads = await dc.threadsRequest();
    assert.strictEqual(threads.body.threads.length, 1);

    // Top-level names only the top level uses are its locals; an object's
    // fields, an array's items.
    const globals = await scopeVariables(dc, frames[0].id, 'Locals');
    assert.strictEqual(globals.mode.value, '"plain"');
    assert.ok(globals.box.variablesReference > 0);
    const box = await variablesOf(dc, globals.box.variablesReference);
    assert.deepStrictEqual(Object.keys(box), ['h', 'tags', 'w']);
    assert.strictEqual(box.w.value, '3');
    const tags = await variablesOf(dc, box.tags.variablesReference);
    assert.strictEqual(tags['[1]'].value, '"blue"');
    assert.strictEqual(await evaluate(dc, frames[0].id, 'box.w * box.h + len(box.tags)'), '14');
    assert.strictEqual(await evaluate(dc, frames[0].id, 'box.describe() + "!"'), '"box!"');

    // Step into scale(), over two lines, look at its locals, step out.
    await dc.stepInRequest({ threadId: 1 });
    ({ frames } = await stoppedAt(dc, 'step', MAIN, 6));
    assert.strictEqual(frames[0].name, 'scale');
    assert.strictEqual(frames[1].line, 26);
    await dc.nextRequest({ threadId: 1 });
    await stoppedAt(dc, 'step', MAIN, 7);
    await dc.nextRequest({ threadId: 1 });
    ({ frames } = await stoppedAt(dc, 'step', MAIN, 8));
    const locals = await scopeVariables(dc, frames[0].id, 'Locals');
    assert.deepStrictEqual(['values', 'factor', 'out', 'v'].filter((n) => !(n in locals)), [], Object.keys(locals).join());
    assert.strictEqual(locals.v.value, '1');
    assert.strictEqual(locals.factor.value, '2');
    const values = await variablesOf(dc, locals.values.variablesReference);
    assert.strictEqual(values['[2]'].value, '3');
    assert.strictEqual(await evaluate(dc, frames[0].id, 'v * factor + values[2]'), '5');
    // In the caller's frame, its own names.
    assert.strictEqual(await evaluate(dc, frames[1].id, 'mode'), '"plain"');
    await assert.rejects(dc.evaluateRequest({ expression: 'nosuchname + 1', frameId: frames[0].id }), /nosuchname/);
    await dc.stepOutRequest({ threadId: 1 });
    await stoppedAt(dc, 'step', MAIN, 27);

    // The conditional breakpoint in the other module: count is an upvalue.
    await dc.continueRequest({ threadId: 1 });
    ({ frames } = await stoppedAt(dc, 'breakpoint', SHAPES, 17));
    const closure = await scopeVariables(dc, frames[0].id, 'Closure');
    assert.strictEqual(closure.count.value, '3');
    assert.strictEqual(await evaluate(dc, frames[0].id, 'count * 10'), '30');

    await dc.continueRequest({ threadId: 1 });
    ({ frames } = await stoppedAt(dc, 'breakpoint', SHAPES, 10));
    assert.strictEqual(frames[0].name, 'area');
    assert.strictEqual(frames[1].source.path, MAIN);
    assert.strictEqual(frames[1].line, 32);
    const areaLocals = await scopeVariables(dc, frames[0].id, 'Locals');
    assert.strictEqual(areaLocals.w.value, '3');
    assert.strictEqual(await evaluate(dc, frames[0].id, 'b.h * w'), '12');

    await dc.continueRequest({ threadId: 1 });
    assert.strictEqual(await exited(dc), 0);
    assert.strictEqual(output.stdout, 'mode plain\narea 12 total 15\ndone\n');
    await dc.stop();
}

async function testUncaughtException() {
    const { dc, output } = await session(['raise'], {});
    const { event, frames } = await stoppedAt(dc, 'exception', SHAPES, 23);
    assert.match(event.body.text, /IndexError/);
    assert.strictEqual(frames[0].name, 'broken');
    assert.strictEqual(await evaluate(dc, frames[0].id, 'len(items)'), '2');
    await dc.continueRequest({ threadId: 1 });
    assert.strictEqual(await exited(dc), 1);
    assert.match(output.stderr, /IndexError/);
    await dc.stop();
}

// The "raised" filter stops at a throw that a try catches; "uncaught" alone does not.
async function testRaisedException() {
    let { dc, output } = await session(['caught'], { filters: ['raised'] });
    const { event } = await stoppedAt(dc, 'exception', SHAPES, 23);
    assert.match(event.body.text, /IndexError/);
    await dc.continueRequest({ threadId: 1 });
    assert.strictEqual(await exited(dc), 0);
    assert.match(output.stdout, /caught IndexError\ndone\n$/);
    await dc.stop();

    ({ dc, output } = await session(['caught'], {}));
    assert.strictEqual(await exited(dc), 0);
    assert.match(output.stdout, /caught IndexError/);
    await dc.stop();
}

async function testPauseBusyLoop() {
    const { dc, output } = await session(['busy'], {});
    await stdoutContains(output, 'mode busy\n');
    await new Promise((r) => setTimeout(r, 200));
    await assert.rejects(dc.evaluateRequest({ expression: '1' }), /running/);
    await dc.pauseRequest({ threadId: 1 });
    const { frames } = await stoppedAt(dc, 'pause', MAIN);
    assert.strictEqual(frames[0].name, 'spin');
    assert.ok([15, 16].includes(frames[0].line), `paused at line ${frames[0].line}`);
    assert.strictEqual(await evaluate(dc, frames[0].id, 'n > 0'), 'true');
    assert.strictEqual(output.stderr, '');
    await dc.stop(); // disconnect while the program is stopped in a busy loop
}

async function testExitAndEntry() {
    const { dc } = await session(['exit'], { launch: { stopOnEntry: true } });
    const { frames } = await stoppedAt(dc, 'entry', MAIN);
    assert.strictEqual(frames.length, 1);
    await dc.continueRequest({ threadId: 1 });
    assert.strictEqual(await exited(dc), 3);
    await dc.stop();
}

// Raw messages a broken client might send: each gets an error response,
// and the adapter keeps serving.
async function testMalformedMessages() {
    const child = cp.spawn(langoost, ['debug'], { cwd: project });
    let buffer = Buffer.alloc(0);
    const messages = [];
    child.stdout.on('data', (d) => {
        buffer = Buffer.concat([buffer, d]);
        for (;;) {
            const header = buffer.indexOf('\r\n\r\n');
            if (header < 0) return;
            const length = Number(/Content-Length: (\d+)/i.exec(buffer.slice(0, header).toString())[1]);
            if (buffer.length < header + 4 + length) return;
            messages.push(JSON.parse(buffer.slice(header + 4, header + 4 + length).toString()));
            buffer = buffer.slice(header + 4 + length);
        }
    });
    const send = (text) => child.stdin.write(`Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
    send('{not json');
    send('[1, 2]');
    send(JSON.stringify({ seq: 3, type: 'request', command: 'frobnicate' }));
    send(JSON.stringify({ seq: 4, type: 'request', command: 'setBreakpoints', arguments: { lines: 'x' } }));
    send(JSON.stringify({ seq: 5, type: 'request', command: 'scopes', arguments: {} }));
    send(JSON.stringify({ seq: 6, type: 'request', command: 'launch', arguments: { program: '/nonexistent.goost' } }));
    send(JSON.stringify({ seq: 7, type: 'request', command: 'initialize', arguments: { adapterID: 'langoost' } }));
    const deadline = Date.now() + 10000;
    while (messages.length < 7 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.strictEqual(messages.length, 7, JSON.stringify(messages));
    assert.ok(messages.slice(0, 6).every((m) => m.type === 'response' && m.success === false), JSON.stringify(messages));
    assert.match(messages[2].message, /frobnicate/);
    assert.match(messages[5].message, /nonexistent/);
    assert.strictEqual(messages[6].success, true);
    child.stdin.end(); // the client goes away: the adapter ends
    const code = await new Promise((r) => child.on('exit', r));
    assert.strictEqual(code, 0);
}

// The VS Code extension starts this adapter for debug sessions of type
// "langoost", and lets breakpoints be set in .goost files.
async function testExtensionContributesDebugger() {
    const fs = require('fs');
    const extension = path.join(__dirname, '..', '..', 'editors', 'vscode');
    const pkg = JSON.parse(fs.readFileSync(path.join(extension, 'package.json'), 'utf8'));
    const debuggerType = pkg.contributes.debuggers.find((d) => d.type === 'langoost');
    assert.ok(debuggerType, 'a debugger of type langoost');
    assert.deepStrictEqual(debuggerType.configurationAttributes.launch.required, ['program']);
    assert.ok(pkg.contributes.breakpoints.some((b) => b.language === 'langoost'));
    assert.ok(pkg.activationEvents.includes('onDebugResolve:langoost'));
    const source = fs.readFileSync(path.join(extension, 'extension.js'), 'utf8');
    assert.match(source, /registerDebugAdapterDescriptorFactory\('langoost'/);
    assert.match(source, /new vscode\.DebugAdapterExecutable\(binary, \['debug'\]\)/);
}

const tests = [testBreakpointsSteppingVariables, testUncaughtException, testRaisedException, testPauseBusyLoop, testExitAndEntry,
               testMalformedMessages, testExtensionContributesDebugger];

(async () => {
    let failed = 0;
    for (const test of tests) {
        const start = Date.now();
        try {
            await test();
            console.log(`ok   ${test.name} (${Date.now() - start} ms)`);
        } catch (e) {
            failed++;
            console.log(`FAIL ${test.name}: ${e.stack || e}`);
        }
    }
    console.log(`${tests.length - failed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
})();
