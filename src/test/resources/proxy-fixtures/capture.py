import socket, sys, threading, os
# Dumps what each connection sends on 127.0.0.1:PORT into out/<n>.bin (closing after 1 s of silence).
port=int(sys.argv[1]); os.makedirs('out', exist_ok=True)
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR,1); s.bind(('127.0.0.1',port)); s.listen(16)
n=0
def handle(c,i):
    c.settimeout(1.0); data=b''
    try:
        while True:
            d=c.recv(65536)
            if not d: break
            data+=d
    except socket.timeout: pass
    open('out/%d.bin'%i,'wb').write(data); c.close()
while True:
    c,_=s.accept(); n+=1; threading.Thread(target=handle,args=(c,n)).start()
