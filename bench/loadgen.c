/* The benchmark's load generator: one thread, epoll, bounded in count and time.
 *
 *   loadgen bulk     --port P --sni S --conns N --seconds T
 *   loadgen cps      --port P --sni S --concurrency C --seconds T --count MAX
 *   loadgen tls      --port P --sni S --concurrency C --seconds T --count MAX
 *   loadgen pingpong --port P --sni S --seconds T --count MAX
 *   loadgen idle     --port P --sni S --conns N --seconds T(hold at most)
 *
 * Every connection starts with a real ClientHello for S that OpenSSL produced (the
 * "tls" mode runs real TLS 1.3 handshakes instead). --proxy-pids a,b and
 * --backend-pid p: CPU time of those processes is sampled from /proc exactly at the
 * start and end of the measured window. One JSON line with the results goes to stdout
 * (for "idle": once every connection is established; it then holds them until stdin
 * closes or the time is up). */
#include "net.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#define MSG 64
#define BULK_WRITE (512 * 1024)
#define MAX_PIDS 8
#define IDLE_IN_FLIGHT 256
#define DRAIN_NS 3000000000ull

static int port;
static const char *sni;
static unsigned char hello[4096];
static size_t hello_len;
static unsigned char request[4096 + MSG]; /* hello followed by the 64-byte message */
static size_t request_len;
static int proxy_pids[MAX_PIDS], n_proxy_pids, backend_pid;

/* ---- CPU accounting */

static double proc_cpu(int pid) {
  char path[64], text[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (f == NULL) return 0;
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = 0;
  /* Fields after the parenthesised command name; utime and stime are 14 and 15. */
  char *p = strrchr(text, ')');
  if (p == NULL) return 0;
  unsigned long long utime = 0, stime = 0;
  sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime);
  return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static double self_cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

struct sample {
  uint64_t at;
  double self, proxy, backend;
};

static struct sample take_sample(void) {
  struct sample s = {.at = now_ns(), .self = self_cpu()};
  for (int i = 0; i < n_proxy_pids; i++) s.proxy += proc_cpu(proxy_pids[i]);
  if (backend_pid > 0) s.backend = proc_cpu(backend_pid);
  return s;
}

/* Prints the common part of the result line (without the closing brace). */
static void print_window(const char *mode, struct sample a, struct sample b) {
  double wall = (double)(b.at - a.at) / 1e9;
  printf("{\"mode\":\"%s\",\"seconds\":%.4f,\"loadgenCpuShare\":%.4f,\"proxyCpuSeconds\":%.4f,\"backendCpuShare\":%.4f", mode, wall,
         (b.self - a.self) / wall, b.proxy - a.proxy, (b.backend - a.backend) / wall);
}

/* ---- the ClientHello */

static void make_hello(void) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  SSL *ssl = SSL_new(ctx);
  BIO *rbio = BIO_new(BIO_s_mem()), *wbio = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, rbio, wbio);
  SSL_set_tlsext_host_name(ssl, sni);
  SSL_connect(ssl); /* stops at "want read" with the ClientHello written to wbio */
  int n = BIO_read(wbio, hello, sizeof hello);
  if (n <= 5 || hello[0] != 0x16) die("could not produce a ClientHello");
  hello_len = (size_t)n;
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  memcpy(request, hello, hello_len);
  memset(request + hello_len, 'p', MSG);
  request_len = hello_len + MSG;
}

/* ---- blocking helpers for the few-connection workloads */

static int connect_blocking(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in sa = loopback(port);
  if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("connect to %d: %s", port, strerror(errno));
  struct timeval tv = {.tv_sec = 10};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  set_nodelay(fd);
  return fd;
}

static void send_all(int fd, const void *data, size_t n) {
  const unsigned char *p = data;
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) die("send: %s", w == 0 ? "closed" : strerror(errno));
    p += w;
    n -= (size_t)w;
  }
}

static void recv_all(int fd, void *data, size_t n) {
  unsigned char *p = data;
  while (n > 0) {
    ssize_t r = recv(fd, p, n, 0);
    if (r <= 0) die("recv: %s", r == 0 ? "closed" : strerror(errno));
    p += r;
    n -= (size_t)r;
  }
}

/* ---- bulk: N connections stream to the sink for T seconds */

static int run_bulk(int conns, double seconds) {
  int ep = epoll_create1(0);
  int fds[256];
  unsigned char *block = malloc(BULK_WRITE);
  memset(block, 'b', BULK_WRITE);
  for (int i = 0; i < conns; i++) {
    fds[i] = connect_blocking();
    send_all(fds[i], hello, hello_len);
    fcntl(fds[i], F_SETFL, O_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (uint32_t)i};
    epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
  }
  unsigned long long bytes = 0;
  int errors = 0;
  struct sample start = take_sample();
  uint64_t deadline = start.at + (uint64_t)(seconds * 1e9);
  struct epoll_event events[256];
  while (now_ns() < deadline) {
    int n = epoll_wait(ep, events, 256, 100);
    for (int i = 0; i < n; i++) {
      ssize_t w = send(fds[events[i].data.u32], block, BULK_WRITE, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w > 0) bytes += (unsigned long long)w;
      else if (w < 0 && errno != EAGAIN) die("bulk send: %s", strerror(errno));
    }
  }
  /* The window ends when every byte has reached the sink: it closes on our FIN and
   * its close comes back through the proxy as EOF. */
  for (int i = 0; i < conns; i++) {
    shutdown(fds[i], SHUT_WR);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(ep, EPOLL_CTL_MOD, fds[i], &ev);
  }
  int open_conns = conns;
  uint64_t give_up = now_ns() + 10000000000ull;
  while (open_conns > 0 && now_ns() < give_up) {
    int n = epoll_wait(ep, events, 256, 100);
    for (int i = 0; i < n; i++) {
      int fd = fds[events[i].data.u32];
      ssize_t r = recv(fd, block, BULK_WRITE, MSG_DONTWAIT);
      if (r > 0 || (r < 0 && errno == EAGAIN)) continue;
      if (r < 0) errors++;
      epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
      close(fd);
      open_conns--;
    }
  }
  errors += open_conns;
  struct sample end = take_sample();
  print_window("bulk", start, end);
  double wall = (double)(end.at - start.at) / 1e9;
  printf(",\"conns\":%d,\"bytes\":%llu,\"gbitPerSecond\":%.3f,\"errors\":%d}\n", conns, bytes, (double)bytes * 8 / wall / 1e9, errors);
  return 0;
}

/* ---- connection churn: cps (raw hello + 64-byte echo) and tls (full handshakes) */

enum phase { FREE, CONNECTING, ECHOING, AWAIT_EOF, HANDSHAKING, ESTABLISHED };

struct slot {
  int fd;
  enum phase phase;
  size_t got;
  SSL *ssl;
};

static int ep;
static struct slot *slots;
static SSL_CTX *client_ctx;

static void arm(int i, uint32_t events) {
  struct epoll_event ev = {.events = events, .data.u32 = (uint32_t)i};
  epoll_ctl(ep, EPOLL_CTL_MOD, slots[i].fd, &ev);
}

static int start_conn(int i) {
  int fd = connect_nb(port);
  if (fd < 0) return -1;
  slots[i] = (struct slot){.fd = fd, .phase = CONNECTING};
  struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (uint32_t)i};
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  return 0;
}

static void end_conn(int i) {
  if (slots[i].ssl != NULL) SSL_free(slots[i].ssl);
  close(slots[i].fd);
  slots[i] = (struct slot){.fd = -1, .phase = FREE};
}

/* Advances a handshake; returns 1 when the server's byte arrived, 0 to wait, -1 on error. */
static int step_tls(int i) {
  struct slot *s = &slots[i];
  int r = 0;
  unsigned char byte;
  if (s->phase == HANDSHAKING) {
    r = SSL_do_handshake(s->ssl);
    if (r == 1) {
      s->phase = ECHOING;
    }
  }
  if (s->phase == ECHOING) {
    r = SSL_read(s->ssl, &byte, 1);
    if (r == 1) return 1;
  }
  switch (SSL_get_error(s->ssl, r)) {
    case SSL_ERROR_WANT_READ: arm(i, EPOLLIN); return 0;
    case SSL_ERROR_WANT_WRITE: arm(i, EPOLLOUT); return 0;
    default: ERR_clear_error(); return -1;
  }
}

/* Advances a raw connection; returns 1 when it is done, 0 to wait, -1 on error. */
static int step_raw(int i, int hold) {
  struct slot *s = &slots[i];
  unsigned char buf[4096];
  for (;;) {
    ssize_t r = recv(s->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (r < 0) return errno == EAGAIN ? 0 : -1;
    if (r == 0) return s->phase == AWAIT_EOF ? 1 : -1;
    s->got += (size_t)r;
    if (s->got > MSG) return -1;
    if (s->got == MSG) {
      if (hold) return 1;
      s->phase = AWAIT_EOF;
    }
  }
}

static int on_connected(int i, int tls) {
  struct slot *s = &slots[i];
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return -1;
  if (tls) {
    s->ssl = SSL_new(client_ctx);
    SSL_set_fd(s->ssl, s->fd);
    SSL_set_tlsext_host_name(s->ssl, sni);
    SSL_set_connect_state(s->ssl);
    s->phase = HANDSHAKING;
    return step_tls(i);
  }
  /* One send carries hello and message: Nagle has nothing to hold back. */
  if (send(s->fd, request, request_len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)request_len) return -1;
  s->phase = ECHOING;
  arm(i, EPOLLIN);
  return 0;
}

static SSL_CTX *make_client_ctx(void) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  /* The cheapest full handshake: the workload measures proxies, not signatures. */
  SSL_CTX_set1_groups_list(ctx, "X25519");
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
  return ctx;
}

static int run_churn(const char *mode, int tls, int concurrency, double seconds, long count) {
  ep = epoll_create1(0);
  slots = calloc((size_t)concurrency, sizeof *slots);
  if (tls) client_ctx = make_client_ctx();
  long started = 0, ok = 0, ok_in_window = 0, errors = 0;
  struct sample start = take_sample();
  uint64_t deadline = start.at + (uint64_t)(seconds * 1e9);
  struct sample window_end = {0};
  int active = 0;
  for (int i = 0; i < concurrency && started < count; i++, started++) {
    if (start_conn(i) == 0) {
      active++;
    } else {
      errors++;
      slots[i].phase = FREE;
    }
  }
  struct epoll_event events[256];
  uint64_t give_up = deadline + DRAIN_NS;
  while (active > 0 && now_ns() < give_up) {
    int n = epoll_wait(ep, events, 256, 100);
    uint64_t now = now_ns();
    if (window_end.at == 0 && now >= deadline) window_end = take_sample();
    for (int e = 0; e < n; e++) {
      int i = (int)events[e].data.u32;
      struct slot *s = &slots[i];
      int r = s->phase == CONNECTING ? on_connected(i, tls) : tls ? step_tls(i) : step_raw(i, 0);
      if (r == 0) continue;
      if (r > 0) {
        ok++;
        if (window_end.at == 0) ok_in_window++;
      } else {
        errors++;
      }
      end_conn(i);
      active--;
      if (window_end.at == 0 && started < count) {
        started++;
        if (start_conn(i) == 0) active++;
        else errors++;
      }
    }
  }
  if (window_end.at == 0) window_end = take_sample();
  struct sample end = take_sample();
  print_window(mode, start, window_end);
  double wall = (double)(window_end.at - start.at) / 1e9;
  /* proxy CPU over the whole run (drain included) divided by every completed connection */
  printf(",\"concurrency\":%d,\"completed\":%ld,\"perSecond\":%.1f,\"proxyCpuSecondsAll\":%.4f,\"errors\":%ld,\"unfinished\":%d}\n", concurrency, ok,
         (double)ok_in_window / wall, end.proxy - start.proxy, errors, active);
  return 0;
}

/* ---- latency: one connection, 64 bytes there and back */

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static int run_pingpong(double seconds, long count) {
  int fd = connect_blocking();
  send_all(fd, hello, hello_len);
  unsigned char msg[MSG], back[MSG];
  memset(msg, 'q', MSG);
  for (int i = 0; i < 2000; i++) { /* warm-up: caches, branch predictors, JITs */
    send_all(fd, msg, MSG);
    recv_all(fd, back, MSG);
  }
  uint64_t *lat = malloc((size_t)count * sizeof *lat);
  long n = 0;
  struct sample start = take_sample();
  uint64_t deadline = start.at + (uint64_t)(seconds * 1e9);
  while (n < count) {
    uint64_t t0 = now_ns();
    if (t0 >= deadline) break;
    send_all(fd, msg, MSG);
    recv_all(fd, back, MSG);
    lat[n++] = now_ns() - t0;
  }
  struct sample end = take_sample();
  close(fd);
  qsort(lat, (size_t)n, sizeof *lat, cmp_u64);
  print_window("pingpong", start, end);
  printf(",\"roundTrips\":%ld,\"p50Micros\":%.2f,\"p99Micros\":%.2f,\"p999Micros\":%.2f}\n", n, lat[n / 2] / 1e3, lat[n * 99 / 100] / 1e3,
         lat[n * 999 / 1000] / 1e3);
  return 0;
}

/* ---- idle: N connections that finished their hello and an echo, then held */

static int run_idle(int conns, double seconds) {
  ep = epoll_create1(0);
  slots = calloc((size_t)conns, sizeof *slots);
  int next = 0, in_flight = 0, established = 0, errors = 0;
  struct sample start = take_sample();
  uint64_t give_up = start.at + (uint64_t)(seconds * 1e9);
  struct epoll_event events[256];
  while ((next < conns || in_flight > 0) && now_ns() < give_up) {
    /* A bounded number of handshakes in flight keeps accept queues from overflowing. */
    while (next < conns && in_flight < IDLE_IN_FLIGHT) {
      if (start_conn(next) == 0) in_flight++;
      else errors++;
      next++;
    }
    int n = epoll_wait(ep, events, 256, 100);
    for (int e = 0; e < n; e++) {
      int i = (int)events[e].data.u32;
      int r = slots[i].phase == CONNECTING ? on_connected(i, 0) : step_raw(i, 1);
      if (r == 0) continue;
      in_flight--;
      if (r > 0) {
        established++;
        slots[i].phase = ESTABLISHED;
        epoll_ctl(ep, EPOLL_CTL_DEL, slots[i].fd, NULL);
      } else {
        errors++;
        end_conn(i);
      }
    }
  }
  struct sample end = take_sample();
  print_window("idle", start, end);
  printf(",\"conns\":%d,\"established\":%d,\"errors\":%d}\n", conns, established, errors);
  fflush(stdout);
  /* Hold until the caller has measured (it closes stdin) or the time is up. */
  struct pollfd p = {.fd = 0, .events = POLLIN};
  char sink[256];
  uint64_t hold_until = now_ns() + (uint64_t)(seconds * 1e9);
  while (now_ns() < hold_until && poll(&p, 1, 200) >= 0) {
    if ((p.revents & (POLLIN | POLLHUP)) && read(0, sink, sizeof sink) <= 0) break;
  }
  return 0;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  if (argc < 2) die("usage: loadgen bulk|cps|tls|pingpong|idle --port P --sni NAME ...");
  const char *mode = argv[1];
  port = (int)arg_long(argc, argv, "--port", 0);
  sni = arg_str(argc, argv, "--sni", "bench.example.com");
  if (port <= 0) die("--port is required");
  double seconds = atof(arg_str(argc, argv, "--seconds", "5"));
  long count = arg_long(argc, argv, "--count", 1000000);
  int conns = (int)arg_long(argc, argv, "--conns", 1);
  int concurrency = (int)arg_long(argc, argv, "--concurrency", 32);
  backend_pid = (int)arg_long(argc, argv, "--backend-pid", 0);
  char *pids = strdup(arg_str(argc, argv, "--proxy-pids", ""));
  for (char *tok = strtok(pids, ","); tok != NULL && n_proxy_pids < MAX_PIDS; tok = strtok(NULL, ",")) proxy_pids[n_proxy_pids++] = atoi(tok);
  make_hello();

  if (strcmp(mode, "bulk") == 0) {
    if (conns < 1 || conns > 256) die("--conns must be 1..256 for bulk");
    return run_bulk(conns, seconds);
  }
  if (strcmp(mode, "cps") == 0) return run_churn("cps", 0, concurrency, seconds, count);
  if (strcmp(mode, "tls") == 0) return run_churn("tls", 1, concurrency, seconds, count);
  if (strcmp(mode, "pingpong") == 0) return run_pingpong(seconds, count);
  if (strcmp(mode, "idle") == 0) return run_idle(conns, seconds);
  die("unknown mode %s", mode);
  return 1;
}
