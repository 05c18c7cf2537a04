//! Services where a CNAME left behind after the resource was deleted lets someone else claim the
//! name. Written for launchguard from the services' documented custom-domain setups; the version
//! is reported with every `dns.takeover.candidate` finding so that a weekly report says which
//! list judged it.

/// The list's version, shown in the evidence.
pub const FINGERPRINTS_VERSION: &str = "launchguard-takeover-2026.05";

/// How a deleted resource shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    /// The provider's name stops resolving once the resource is gone: a dangling CNAME to it is
    /// claimable by registering the resource again.
    NxDomain,
    /// The provider's name keeps resolving; only the HTTP answer tells an unclaimed resource from
    /// a live one.
    HttpBody,
}

/// One service known for takeovers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    pub service: &'static str,
    /// A CNAME target equal to or below this suffix belongs to the service.
    pub suffix: &'static str,
    pub sign: Sign,
}

const fn fp(service: &'static str, suffix: &'static str, sign: Sign) -> Fingerprint {
    Fingerprint {
        service,
        suffix,
        sign,
    }
}

pub static FINGERPRINTS: &[Fingerprint] = &[
    fp("Azure App Service", "azurewebsites.net", Sign::NxDomain),
    fp("Azure Cloud Services", "cloudapp.net", Sign::NxDomain),
    fp(
        "Azure virtual machine DNS",
        "cloudapp.azure.com",
        Sign::NxDomain,
    ),
    fp(
        "Azure Traffic Manager",
        "trafficmanager.net",
        Sign::NxDomain,
    ),
    fp(
        "Azure Blob Storage",
        "blob.core.windows.net",
        Sign::NxDomain,
    ),
    fp("Azure CDN", "azureedge.net", Sign::NxDomain),
    fp(
        "AWS Elastic Beanstalk",
        "elasticbeanstalk.com",
        Sign::NxDomain,
    ),
    fp("AWS S3 website", "amazonaws.com", Sign::HttpBody),
    fp("Heroku", "herokuapp.com", Sign::HttpBody),
    fp("Heroku", "herokudns.com", Sign::HttpBody),
    fp("GitHub Pages", "github.io", Sign::HttpBody),
    fp("Shopify", "myshopify.com", Sign::HttpBody),
    fp("Fastly", "fastly.net", Sign::HttpBody),
    fp("Netlify", "netlify.app", Sign::HttpBody),
    fp("Ghost", "ghost.io", Sign::HttpBody),
    fp("Surge.sh", "surge.sh", Sign::HttpBody),
    fp("Pantheon", "pantheonsite.io", Sign::HttpBody),
    fp("Read the Docs", "readthedocs.io", Sign::HttpBody),
    fp("Bitbucket", "bitbucket.io", Sign::HttpBody),
    fp("Zendesk", "zendesk.com", Sign::HttpBody),
    fp("Unbounce", "unbouncepages.com", Sign::HttpBody),
];

/// The service a CNAME target (lowercase, with or without the final dot) belongs to.
pub fn service_of(target: &str) -> Option<&'static Fingerprint> {
    let target = target.trim_end_matches('.').to_ascii_lowercase();
    FINGERPRINTS.iter().find(|fp| {
        target == fp.suffix
            || target
                .strip_suffix(fp.suffix)
                .is_some_and(|rest| rest.ends_with('.'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_match_on_label_boundaries() {
        assert_eq!(
            service_of("shop-docs.azurewebsites.net.").unwrap().service,
            "Azure App Service"
        );
        assert_eq!(service_of("GITHUB.IO").unwrap().service, "GitHub Pages");
        assert!(service_of("notazurewebsites.net").is_none());
        assert!(service_of("cname.vercel-dns.com").is_none());
    }
}
