package dev.l4mux.access;

import dev.l4mux.config.AccessConfig;
import dev.l4mux.config.Cidr;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

/**
 * A compiled {@code access} section (CONTRACT section 3): deny wins; with an allow list, only the
 * addresses in it pass. An IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-stack socket
 * reports for an IPv4 client) is matched as the IPv4 address it carries.
 */
public final class AccessList {

  /** Allows everything. */
  public static final AccessList ALLOW_ALL = new AccessList(AccessConfig.NONE);

  private final boolean empty;
  private final Family allow;
  private final Family deny;

  public AccessList(AccessConfig config) {
    this.empty = config.isEmpty();
    this.allow = new Family(config.allow());
    this.deny = new Family(config.deny());
  }

  public static AccessList of(AccessConfig config) {
    return config.isEmpty() ? ALLOW_ALL : new AccessList(config);
  }

  public boolean allowsEverything() {
    return empty;
  }

  /** True when a client at {@code address} may connect. */
  public boolean allows(InetAddress address) {
    if (empty) {
      return true;
    }
    byte[] a = address.getAddress();
    if (deny.contains(a)) {
      return false;
    }
    return allow.isEmpty() || allow.contains(a);
  }

  /** One list as an IPv4 and an IPv6 trie. */
  private static final class Family {
    private final CidrTrie v4;
    private final CidrTrie v6;

    Family(List<Cidr> networks) {
      v4 = new CidrTrie(4, networks);
      v6 = new CidrTrie(16, networks);
    }

    boolean isEmpty() {
      return v4.isEmpty() && v6.isEmpty();
    }

    boolean contains(byte[] address) {
      if (address.length == 4) {
        return v4.contains(address);
      }
      return v6.contains(address) || (isV4Mapped(address) && v4.contains(Arrays.copyOfRange(address, 12, 16)));
    }

    private static boolean isV4Mapped(byte[] a) {
      for (int i = 0; i < 10; i++) {
        if (a[i] != 0) {
          return false;
        }
      }
      return (a[10] & 0xFF) == 0xFF && (a[11] & 0xFF) == 0xFF;
    }
  }
}
