//! TEMP stub until the demo lands.
use crate::domain::roles::RoleMap;
use crate::error::Result;
/// stub
pub struct DemoDirectory;
impl DemoDirectory {
    /// stub
    pub fn bundled(_r: RoleMap) -> Result<std::sync::Arc<dyn super::Directory>> {
        Err(crate::Error::Usage("stub".into()))
    }
    /// stub
    pub fn generated(_n: usize, _r: RoleMap) -> std::sync::Arc<dyn super::Directory> {
        unimplemented!()
    }
}
