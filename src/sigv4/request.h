// SPDX-License-Identifier: Apache-2.0
// The values SigV4 signs and verifies: credentials and a view of one HTTP
// request as it goes over the wire. Plain value types; thread-compatible.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kiln::sigv4 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
};

// One header as received or to be sent: any case, possibly repeated.
struct HeaderView {
  std::string_view name;
  std::string_view value;
};

// An owned header, as sign() returns them.
struct Header {
  std::string name;
  std::string value;
};

// A request as it is (or will be) on the wire. Borrows everything: the
// strings it points into must outlive the call it is passed to.
struct RequestView {
  std::string_view method;  // "POST", "GET", ...
  std::string_view path;    // raw, as sent: "/", "/kiln/v1/builds/p%3A1/log"
  std::string_view query;   // raw, without the '?': "follow=true&a=x+y"
  std::vector<HeaderView> headers;
  std::string_view body;
};

}  // namespace kiln::sigv4
