package dev.l4mux.access;

import dev.l4mux.config.Cidr;
import java.util.List;

/**
 * A set of networks of one family as a binary trie over the address bits: a lookup walks at most
 * the longest prefix length (32 or 128 steps), however many networks the set holds.
 */
final class CidrTrie {

  private final int addressLength;
  private final Node root = new Node();
  private boolean empty = true;

  /** @param addressLength 4 (IPv4) or 16 (IPv6) */
  CidrTrie(int addressLength, List<Cidr> networks) {
    this.addressLength = addressLength;
    for (Cidr c : networks) {
      if (c.network().length == addressLength) {
        add(c.network(), c.prefixLength());
      }
    }
  }

  private void add(byte[] network, int prefixLength) {
    empty = false;
    Node node = root;
    for (int bit = 0; bit < prefixLength && !node.terminal; bit++) {
      int b = (network[bit >> 3] >> (7 - (bit & 7))) & 1;
      if (node.children[b] == null) {
        node.children[b] = new Node();
      }
      node = node.children[b];
    }
    node.terminal = true; // a shorter prefix already covering it leaves it covered
  }

  boolean isEmpty() {
    return empty;
  }

  /** True when {@code address} (of this trie's length) lies in one of the networks. */
  boolean contains(byte[] address) {
    if (address.length != addressLength || empty) {
      return false;
    }
    Node node = root;
    for (int bit = 0; ; bit++) {
      if (node.terminal) {
        return true;
      }
      if (bit == addressLength * 8) {
        return false;
      }
      node = node.children[(address[bit >> 3] >> (7 - (bit & 7))) & 1];
      if (node == null) {
        return false;
      }
    }
  }

  private static final class Node {
    final Node[] children = new Node[2];
    boolean terminal;
  }
}
