enum _HNSIdentityPlaceholder {}
