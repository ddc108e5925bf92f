//! The browser and operating system a session's user agent names, for "Active sessions".
//!
//! Only the common families are recognised, by the tokens their user agents carry; the
//! order of the checks matters because browsers copy each other's tokens (Edge says
//! "Chrome" and "Safari", Chrome says "Safari", iOS says "like Mac OS X").

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Browser {
    Edge,
    Opera,
    Firefox,
    Chrome,
    Safari,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Windows,
    Ios,
    Android,
    ChromeOs,
    MacOs,
    Linux,
}

/// What a user agent says about the device, each part when it is recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Device {
    pub browser: Option<Browser>,
    pub os: Option<Os>,
}

impl Browser {
    pub fn label(self) -> &'static str {
        match self {
            Self::Edge => "Edge",
            Self::Opera => "Opera",
            Self::Firefox => "Firefox",
            Self::Chrome => "Chrome",
            Self::Safari => "Safari",
        }
    }

    fn of(agent: &str) -> Option<Self> {
        let has = |token: &str| agent.contains(token);
        if has("Edg/") || has("Edge/") || has("EdgA/") || has("EdgiOS/") {
            Some(Self::Edge)
        } else if has("OPR/") || has("Opera") {
            Some(Self::Opera)
        } else if has("Firefox/") || has("FxiOS/") {
            Some(Self::Firefox)
        } else if has("Chrome/") || has("CriOS/") || has("Chromium/") {
            Some(Self::Chrome)
        } else if has("Safari/") && (has("Version/") || has("Mobile/")) {
            Some(Self::Safari)
        } else {
            None
        }
    }
}

impl Os {
    pub fn label(self) -> &'static str {
        match self {
            Self::Windows => "Windows",
            Self::Ios => "iOS",
            Self::Android => "Android",
            Self::ChromeOs => "ChromeOS",
            Self::MacOs => "macOS",
            Self::Linux => "Linux",
        }
    }

    fn of(agent: &str) -> Option<Self> {
        let has = |token: &str| agent.contains(token);
        if has("Windows") {
            Some(Self::Windows)
        } else if has("iPhone") || has("iPad") || has("iPod") {
            Some(Self::Ios)
        } else if has("Android") {
            Some(Self::Android)
        } else if has("CrOS") {
            Some(Self::ChromeOs)
        } else if has("Macintosh") || has("Mac OS X") {
            Some(Self::MacOs)
        } else if has("Linux") || has("X11") {
            Some(Self::Linux)
        } else {
            None
        }
    }
}

impl Device {
    /// Never fails: an unknown or empty user agent is an unknown device.
    pub fn from_user_agent(agent: &str) -> Self {
        Self {
            browser: Browser::of(agent),
            os: Os::of(agent),
        }
    }
}

/// "Firefox on Linux", "Chrome", "Unknown browser on Windows", "Unknown browser".
impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.browser.map_or("Unknown browser", Browser::label))?;
        if let Some(os) = self.os {
            write!(f, " on {}", os.label())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(agent: &str) -> String {
        Device::from_user_agent(agent).to_string()
    }

    #[test]
    fn chrome_on_windows() {
        assert_eq!(
            label(
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                 Chrome/131.0.0.0 Safari/537.36"
            ),
            "Chrome on Windows"
        );
    }

    #[test]
    fn edge_is_not_taken_for_the_chrome_it_names() {
        assert_eq!(
            label(
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                 Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86"
            ),
            "Edge on Windows"
        );
        assert_eq!(
            label(
                "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) \
                 Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.0.0"
            ),
            "Edge on Android"
        );
    }

    #[test]
    fn firefox_on_linux_and_macos() {
        assert_eq!(
            label("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"),
            "Firefox on Linux"
        );
        assert_eq!(
            label(
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0"
            ),
            "Firefox on macOS"
        );
    }

    #[test]
    fn safari_on_macos_and_ios() {
        assert_eq!(
            label(
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like \
                 Gecko) Version/18.1 Safari/605.1.15"
            ),
            "Safari on macOS"
        );
        assert_eq!(
            label(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 \
                 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
            ),
            "Safari on iOS"
        );
    }

    #[test]
    fn chrome_and_firefox_on_ios_are_not_safari() {
        assert_eq!(
            label(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 \
                 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1"
            ),
            "Chrome on iOS"
        );
        assert_eq!(
            label(
                "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like \
                 Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15"
            ),
            "Firefox on iOS"
        );
    }

    #[test]
    fn chrome_on_android_is_not_linux() {
        assert_eq!(
            label(
                "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) \
                 Chrome/131.0.0.0 Mobile Safari/537.36"
            ),
            "Chrome on Android"
        );
    }

    #[test]
    fn an_unknown_or_empty_agent_is_an_unknown_browser() {
        assert_eq!(label(""), "Unknown browser");
        assert_eq!(label("curl/8.5.0"), "Unknown browser");
        assert_eq!(
            label("Mozilla/5.0 (Windows NT 10.0) SomethingNew/1.0"),
            "Unknown browser on Windows"
        );
        assert_eq!(
            Device::from_user_agent("Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0").browser,
            Some(Browser::Firefox)
        );
    }
}
