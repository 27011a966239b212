/* The benchmark's backends, all in one single-threaded epoll loop:
 *   --sink PORT   discard everything (MSG_TRUNC: the kernel drops the bytes without
 *                 copying them, so the receiving side costs the load core little),
 *                 close on EOF;
 *   --echo PORT   skip the first TLS record (the replayed ClientHello), then echo;
 *   --once PORT   like echo, but close after echoing 64 bytes, so that the server
 *                 closes first and no TIME_WAIT piles up on the connecting side;
 *   --tls PORT    a TLS 1.3 server (--cert/--key): full handshake, send one byte,
 *                 close.
 * It runs on the load core, beside the load generator, never beside the proxy. */
#include "net.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/epoll.h>

enum kind { SINK, ECHO, ONCE, TLS };

#define ONCE_BYTES 64
#define READ_SIZE (1 << 20)

struct endpoint {
  int is_listener; /* first field of both structs: tells epoll data apart */
  int fd;
  enum kind kind;
};

struct conn {
  int is_listener;
  int fd;
  enum kind kind;
  /* skipping the first TLS record: 0 = reading its 5-byte header, 1 = skipping its
   * body, 2 = done (echoing) */
  int skip_state;
  unsigned char hdr[5];
  int hdr_have;
  uint32_t skip_left;
  size_t echoed;
  unsigned char *pend; /* bytes the socket did not take yet; reading stops meanwhile */
  size_t pend_len;
  SSL *ssl;
};

static int epfd;
static SSL_CTX *tls_ctx;
static unsigned char *buf;

static void watch(int op, int fd, void *ptr, uint32_t events) {
  struct epoll_event ev = {.events = events, .data.ptr = ptr};
  if (epoll_ctl(epfd, op, fd, &ev) < 0 && op != EPOLL_CTL_DEL) die("epoll_ctl: %s", strerror(errno));
}

static void drop(struct conn *c) {
  if (c->ssl != NULL) SSL_free(c->ssl);
  close(c->fd);
  free(c->pend);
  free(c);
}

/* Consumes the replayed ClientHello record; returns how many leading bytes of data
 * belong to it. A stream that does not start with a TLS record is echoed whole. */
static size_t skip_hello(struct conn *c, const unsigned char *data, size_t n) {
  size_t used = 0;
  while (used < n && c->skip_state < 2) {
    if (c->skip_state == 0) {
      if (c->hdr_have == 0 && data[used] != 0x16) {
        c->skip_state = 2;
        break;
      }
      c->hdr[c->hdr_have++] = data[used++];
      if (c->hdr_have == 5) {
        c->skip_left = ((uint32_t)c->hdr[3] << 8) | c->hdr[4];
        c->skip_state = c->skip_left == 0 ? 2 : 1;
      }
    } else {
      size_t take = n - used < c->skip_left ? n - used : c->skip_left;
      used += take;
      c->skip_left -= (uint32_t)take;
      if (c->skip_left == 0) c->skip_state = 2;
    }
  }
  return used;
}

/* Returns 0 to keep the connection, -1 to close it. */
static int echo_out(struct conn *c, const unsigned char *data, size_t n) {
  if (c->kind == ONCE && c->echoed + n > ONCE_BYTES) n = ONCE_BYTES - c->echoed;
  if (n == 0) return 0;
  ssize_t w = send(c->fd, data, n, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (w < 0) {
    if (errno != EAGAIN) return -1;
    w = 0;
  }
  c->echoed += n;
  if ((size_t)w < n) {
    c->pend_len = n - (size_t)w;
    c->pend = malloc(c->pend_len);
    memcpy(c->pend, data + w, c->pend_len);
    watch(EPOLL_CTL_MOD, c->fd, c, EPOLLOUT);
    return 0;
  }
  return c->kind == ONCE && c->echoed >= ONCE_BYTES ? -1 : 0;
}

static void on_echo(struct conn *c, uint32_t events) {
  if (c->pend != NULL) {
    if (!(events & EPOLLOUT)) return;
    ssize_t w = send(c->fd, c->pend, c->pend_len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0 && errno != EAGAIN) return drop(c);
    if (w > 0 && (size_t)w < c->pend_len) {
      memmove(c->pend, c->pend + w, c->pend_len - (size_t)w);
      c->pend_len -= (size_t)w;
      return;
    }
    if (w > 0) {
      free(c->pend);
      c->pend = NULL;
      if (c->kind == ONCE && c->echoed >= ONCE_BYTES) return drop(c);
      watch(EPOLL_CTL_MOD, c->fd, c, EPOLLIN);
    }
    return;
  }
  ssize_t r = recv(c->fd, buf, 65536, MSG_DONTWAIT);
  if (r == 0 || (r < 0 && errno != EAGAIN)) return drop(c);
  if (r < 0) return;
  size_t used = skip_hello(c, buf, (size_t)r);
  if (echo_out(c, buf + used, (size_t)r - used) < 0) drop(c);
}

static void on_sink(struct conn *c) {
  ssize_t r = recv(c->fd, buf, READ_SIZE, MSG_TRUNC | MSG_DONTWAIT);
  if (r == 0 || (r < 0 && errno != EAGAIN)) drop(c);
}

static void on_tls(struct conn *c) {
  int r = SSL_do_handshake(c->ssl);
  if (r == 1) {
    /* One application byte tells the client the server finished too. */
    SSL_write(c->ssl, "!", 1);
    return drop(c);
  }
  switch (SSL_get_error(c->ssl, r)) {
    case SSL_ERROR_WANT_READ:
      return watch(EPOLL_CTL_MOD, c->fd, c, EPOLLIN);
    case SSL_ERROR_WANT_WRITE:
      return watch(EPOLL_CTL_MOD, c->fd, c, EPOLLOUT);
    default:
      ERR_clear_error();
      return drop(c);
  }
}

static void on_accept(struct endpoint *l) {
  for (int i = 0; i < 64; i++) {
    int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    struct conn *c = calloc(1, sizeof *c);
    c->fd = fd;
    c->kind = l->kind;
    set_nodelay(fd);
    if (l->kind == TLS) {
      c->ssl = SSL_new(tls_ctx);
      SSL_set_fd(c->ssl, fd);
      SSL_set_accept_state(c->ssl);
    }
    watch(EPOLL_CTL_ADD, fd, c, EPOLLIN);
  }
}

static void add_listener(int port, enum kind kind) {
  if (port <= 0) return;
  struct endpoint *l = calloc(1, sizeof *l);
  l->is_listener = 1;
  l->kind = kind;
  l->fd = listen_on(port);
  watch(EPOLL_CTL_ADD, l->fd, l, EPOLLIN);
}

static SSL_CTX *server_ctx(const char *cert, const char *key) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  /* No tickets: every handshake in the workload is a full one. */
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) die("cannot load %s", cert);
  if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) die("cannot load %s", key);
  return ctx;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  buf = malloc(READ_SIZE);
  epfd = epoll_create1(EPOLL_CLOEXEC);
  const char *cert = arg_str(argc, argv, "--cert", NULL);
  const char *key = arg_str(argc, argv, "--key", NULL);
  if (arg_long(argc, argv, "--tls", 0) > 0) {
    if (cert == NULL || key == NULL) die("--tls needs --cert and --key");
    tls_ctx = server_ctx(cert, key);
  }
  add_listener((int)arg_long(argc, argv, "--sink", 0), SINK);
  add_listener((int)arg_long(argc, argv, "--echo", 0), ECHO);
  add_listener((int)arg_long(argc, argv, "--once", 0), ONCE);
  add_listener((int)arg_long(argc, argv, "--tls", 0), TLS);
  printf("ready\n");
  fflush(stdout);

  struct epoll_event events[256];
  for (;;) {
    int n = epoll_wait(epfd, events, 256, -1);
    if (n < 0 && errno != EINTR) die("epoll_wait: %s", strerror(errno));
    for (int i = 0; i < n; i++) {
      if (*(int *)events[i].data.ptr) {
        on_accept(events[i].data.ptr);
        continue;
      }
      struct conn *c = events[i].data.ptr;
      if (events[i].events & EPOLLERR) {
        drop(c);
        continue;
      }
      switch (c->kind) {
        case SINK: on_sink(c); break;
        case ECHO:
        case ONCE: on_echo(c, events[i].events); break;
        case TLS: on_tls(c); break;
      }
    }
  }
}
