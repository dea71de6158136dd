# SPDX-License-Identifier: MIT
# Drives a headless Chromium over the DevTools protocol for serve-browser.sh: opens a URL, screenshots it, clicks the Nth button, waits for the next page, screenshots it and prints its text.
import base64, json, sys, time, urllib.request
import websocket

cdp_port, url, button, shot1, shot2 = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
deadline = time.time() + 30
targets = []
while time.time() < deadline:
    try:
        targets = json.load(urllib.request.urlopen('http://127.0.0.1:%s/json/list' % cdp_port, timeout=2))
        targets = [t for t in targets if t.get('type') == 'page']
        if targets:
            break
    except OSError:
        pass
    time.sleep(0.2)
if not targets:
    sys.exit('no page target on the DevTools port')
ws = websocket.create_connection(targets[0]['webSocketDebuggerUrl'], timeout=20)
n = 0
def call(method, **params):
    global n
    n += 1
    ws.send(json.dumps({'id': n, 'method': method, 'params': params}))
    while True:
        m = json.loads(ws.recv())
        if m.get('id') == n:
            if 'error' in m:
                sys.exit('%s: %s' % (method, m['error']))
            return m.get('result', {})
def wait_load():
    end = time.time() + 20
    while time.time() < end:
        m = json.loads(ws.recv())
        if m.get('method') == 'Page.loadEventFired':
            return
    sys.exit('the page did not load')
def shot(path):
    data = call('Page.captureScreenshot', format='png')['data']
    open(path, 'wb').write(base64.b64decode(data))
call('Page.enable')
call('Page.navigate', url=url)
wait_load()
shot(shot1)
r = call('Runtime.evaluate', expression='document.querySelectorAll("form button").length')
print('buttons:', r['result']['value'])
call('Runtime.evaluate', expression='document.querySelectorAll("form button")[%d].click()' % button)
wait_load()
shot(shot2)
r = call('Runtime.evaluate', expression='document.title + "\\n" + document.body.innerText')
print(r['result']['value'])
ws.close()
